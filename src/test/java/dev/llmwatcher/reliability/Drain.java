package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.WatcherFixture;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/** One watcher draining the queue as {@code --once} does: passes until nothing is left to take. */
final class Drain {

    private Drain() {
    }

    /**
     * Drains with a watcher of its own named {@code name}, starting once every watcher sharing {@code together} is
     * built.
     */
    static List<RunReport> untilEmpty(WatcherFixture fixture, String name, CyclicBarrier together) throws Exception {
        List<RunReport> reports = new ArrayList<>();
        try (Watcher watcher = Watcher.create(ConfigReader.read(fixture.settings()), Clock.systemUTC(), name)) {
            together.await();
            for (int pass = 0; pass < 20; pass++) {
                RunReport report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(60), Integer.MAX_VALUE,
                        StopSignal.never());
                reports.add(report);
                if (report.backlog() == 0 && report.found() == 0) {
                    break;
                }
            }
        }
        return reports;
    }

    /** Drains alone. */
    static List<RunReport> untilEmpty(WatcherFixture fixture) throws Exception {
        return untilEmpty(fixture, "test", new CyclicBarrier(1));
    }
}
