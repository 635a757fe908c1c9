"""Learning: planner data, tokenizer, pre-training, LoRA fine-tuning."""
