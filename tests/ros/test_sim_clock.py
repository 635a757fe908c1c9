"""sim_node under use_sim_time: a lifecycle_manager on sim time brings it up (its timers must not wait for the
/clock that sim_node starts once active), /clock advances, and images and joint states keep coming, stamped with it.

Its own module: a second sim_node with its own rclpy context, after test_frames' has gone.
"""

from test_frames import start_sim_node, stop


def test_sim_time_clock_advances_and_sensors_keep_coming(tmp_path):
    procs, node, listener = start_sim_node(tmp_path, ["sim_node.use_sim_time=true",
                                                      "lifecycle_manager.use_sim_time=true"], manager=True)
    try:
        got = listener.received
        listener.spin_until(lambda: len(got["clock"]) >= 2 and len(got["image"]) >= 2 and len(got["joints"]) >= 2,
                            what="/clock, images and joint states under use_sim_time")
        clock = [c.clock.sec + c.clock.nanosec * 1e-9 for c in got["clock"]]
        assert clock == sorted(clock) and clock[-1] > clock[0]
        for kind in ("image", "joints"):  # stamped with simulated seconds since the start, not the wall clock
            stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in got[kind][-2:]]
            assert 0 < stamps[0] < stamps[1] <= clock[-1] + 1.0, (kind, stamps, clock[-1])
    finally:
        stop(procs, node)
