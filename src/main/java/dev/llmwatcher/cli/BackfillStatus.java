package dev.llmwatcher.cli;

import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code status}'s view of the backfills ({@code enqueue --from}) with documents still queued: how many were queued,
 * are done (stored, or dropped because the application deleted them), wait, or failed, the drain's rate since the
 * backfill started, and the time left at that rate. A backfill whose enqueue is still running has no record yet and
 * shows only what waits and failed.
 */
record BackfillStatus(String backfill, Optional<BackfillRecord> record, long waiting, long failed) {

    static List<BackfillStatus> read(BackfillStore store, String queueIndex) {
        Map<String, BackfillRecord> records = new LinkedHashMap<>();
        store.backfillRecords(queueIndex).forEach(r -> records.put(r.backfill(), r));
        List<BackfillStatus> running = new ArrayList<>();
        for (BackfillProgress progress : store.progress(queueIndex)) {
            running.add(new BackfillStatus(progress.backfill(), Optional.ofNullable(records.get(progress.backfill())),
                    progress.waiting(), progress.failed()));
        }
        return running;
    }

    /** Documents of the backfill no longer in the queue; unknown (-1) without a record. */
    long done() {
        return record.map(r -> Math.max(0, r.queued() - waiting - failed)).orElse(-1L);
    }

    /** Documents done per second since the backfill started; empty without a record or before any is done. */
    Optional<Double> rate(Instant now) {
        return record.filter(r -> done() > 0).map(r -> done() / Math.max(1.0,
                Duration.between(r.startedAt(), now).toMillis() / 1000.0));
    }

    Optional<Duration> timeLeft(Instant now) {
        return rate(now).map(rate -> Duration.ofSeconds((long) Math.ceil(waiting / rate)));
    }

    static void print(List<BackfillStatus> backfills, Instant now, PrintStream out) {
        if (backfills.isEmpty()) {
            return;
        }
        out.println("Backfills (enqueue --from) with documents queued:");
        for (BackfillStatus b : backfills) {
            String from = b.record.map(r -> " from " + r.from()).orElse(" (enqueue still running)");
            out.printf("  %s%s: %s queued, %s done, %d waiting, %d failed%s%n", b.backfill, from,
                    b.record.map(r -> Long.toString(r.queued())).orElse("?"), b.done() < 0 ? "?" : b.done(),
                    b.waiting, b.failed, b.rate(now).map(rate -> String.format(java.util.Locale.ROOT,
                            ", %.1f documents/s, about %s left", rate,
                            StatusCommand.age(b.timeLeft(now).orElseThrow()))).orElse(""));
        }
    }

    static List<Map<String, Object>> json(List<BackfillStatus> backfills, Instant now) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (BackfillStatus b : backfills) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("backfill", b.backfill);
            entry.put("from", b.record.map(BackfillRecord::from).orElse(null));
            entry.put("queued", b.record.map(BackfillRecord::queued).orElse(null));
            entry.put("done", b.done() < 0 ? null : b.done());
            entry.put("waiting", b.waiting);
            entry.put("failed", b.failed);
            entry.put("documents_per_second", b.rate(now).orElse(null));
            entry.put("seconds_left", b.timeLeft(now).map(Duration::toSeconds).orElse(null));
            json.add(entry);
        }
        return json;
    }
}
