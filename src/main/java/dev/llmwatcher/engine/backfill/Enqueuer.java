package dev.llmwatcher.engine.backfill;

import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.SourceVersion;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queues the documents of a selection: each slice of the scan, on a virtual thread of its own, reads a page, turns it
 * into queue documents (the source plus {@code _llm_watcher}: the instructions, the concrete index it came from, the
 * version it was read at, the backfill id) and creates them, then reads the next; so memory holds one page per slice,
 * whatever the number of documents. Creating never replaces a queue document, so running it again over the same
 * selection queues nothing twice, and a document a drainer holds is left alone.
 */
public final class Enqueuer {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")
            .withZone(ZoneOffset.UTC);

    private final BackfillStore store;
    private final Clock clock;

    public Enqueuer(BackfillStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** A backfill id naming when it started, e.g. {@code bf-20261207-2104-3f9a}. */
    public static String newBackfillId(Clock clock) {
        return "bf-" + ID_TIME.format(clock.instant()) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    public EnqueueReport run(EnqueueRequest request) throws InterruptedException {
        long started = System.nanoTime();
        Instant startedAt = clock.instant();
        long matched = store.countMatching(request.selection());
        Map<String, Object> instructions = request.instructions().meta();
        AtomicLong read = new AtomicLong();
        EnqueueResult result = EnqueueResult.NONE;
        try (SourceScan scan = store.scanSource(request.selection(), request.slices(), request.pageSize());
             ExecutorService slices = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<EnqueueResult>> running = new ArrayList<>();
            for (int slice = 0; slice < scan.slices(); slice++) {
                int number = slice;
                running.add(slices.submit(() -> enqueueSlice(scan, number, request, instructions, read)));
            }
            for (Future<EnqueueResult> slice : running) {
                result = result.plus(outcome(slice, running));
            }
        }
        record(request, matched, result.created(), startedAt);
        return new EnqueueReport(request.backfillId(), matched, read.get(), result,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** Keeps the backfill's record for {@code status}; a run again under the same id adds to what it queued. */
    private void record(EnqueueRequest request, long matched, long created, Instant startedAt) {
        BackfillRecord earlier = store.backfillRecords(request.queueIndex()).stream()
                .filter(r -> r.backfill().equals(request.backfillId())).findFirst().orElse(null);
        store.recordBackfill(request.queueIndex(), new BackfillRecord(request.backfillId(),
                request.selection().from(), matched, created + (earlier == null ? 0 : earlier.queued()),
                earlier == null ? startedAt : earlier.startedAt(), clock.instant()));
    }

    private EnqueueResult enqueueSlice(SourceScan scan, int slice, EnqueueRequest request,
                                       Map<String, Object> instructions, AtomicLong read) {
        EnqueueResult result = EnqueueResult.NONE;
        for (List<SourceDocument> page = scan.nextPage(slice); !page.isEmpty(); page = scan.nextPage(slice)) {
            String queuedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS).toString();
            List<QueueEntry> entries = page.stream().map(document -> entry(document, instructions,
                    request.backfillId(), queuedAt)).toList();
            result = result.plus(store.enqueue(request.queueIndex(), entries));
            request.progress().accept(read.addAndGet(page.size()));
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        return result;
    }

    /** The queue document for {@code document}: its source plus {@code _llm_watcher}. */
    public static QueueEntry entry(SourceDocument document, Map<String, Object> instructions, String backfillId,
                            String queuedAt) {
        Map<String, Object> meta = new LinkedHashMap<>(instructions);
        meta.put(QueueFields.ORIGINAL_INDEX, document.index());
        new SourceVersion(document.seqNo(), document.primaryTerm()).writeInto(meta);
        meta.put(QueueFields.BACKFILL, backfillId);
        meta.put(QueueFields.QUEUED_AT, queuedAt);
        Map<String, Object> source = new LinkedHashMap<>(document.source());
        source.remove(QueueFields.META);
        source.put(QueueFields.META, meta);
        return new QueueEntry(document.id(), source);
    }

    /** A slice's result; a slice that failed stops the others and its failure is thrown as it was. */
    private static EnqueueResult outcome(Future<EnqueueResult> slice, List<Future<EnqueueResult>> all)
            throws InterruptedException {
        try {
            return slice.get();
        } catch (ExecutionException e) {
            all.forEach(other -> other.cancel(true));
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            all.forEach(other -> other.cancel(true));
            throw e;
        }
    }
}
