package dev.llmwatcher.app;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.budget.DailyLimits;
import dev.llmwatcher.budget.TokenEstimator;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.InvalidDocumentException;
import dev.llmwatcher.engine.PreparedDocument;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;
import dev.llmwatcher.queue.QueuedDocument;

import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * {@code enqueue --dry-run}: what a backfill would cost, before anything is queued. It counts the matches, turns a
 * sample (the first documents of the scan) into queue documents and prepares each as a pass would (its prompt
 * rendered), and looks their questions up in the answer cache. The answers found there are what the cache would save
 * and also calibrate the estimate (their prompt tokens per character and their completion sizes, through the
 * budget's {@link TokenEstimator}); the sample's other prompts are estimated from their length, and the sample's
 * tokens scaled to the matches. Nothing is written.
 */
public final class BackfillDryRun {

    /** Prompts shown in full. */
    static final int SHOWN = 3;

    /**
     * @param sampled          documents of the sample (the first of the scan)
     * @param failing          of those, the ones that would fail before any call
     * @param cached           of those, the ones the answer cache already answers (calls saved)
     * @param sampleTokens     estimated tokens of the sample's calls still to be paid for
     * @param estimatedTokens  {@code sampleTokens} scaled to every match
     * @param days             days the backfill takes within the model's daily token budget; empty without one
     */
    public record Estimate(long matched, int sampled, int failing, int cached, long sampleTokens,
                           long estimatedTokens, String model, OptionalDouble days) {
    }

    private BackfillDryRun() {
    }

    public static Estimate run(BackfillStore store, AnswerCache cache, DocumentProcessor processor,
                               EnqueueRequest request, int sampleSize, DailyLimits limits, Clock clock,
                               PrintStream out) {
        long matched = store.countMatching(request.selection());
        List<SourceDocument> sample;
        try (SourceScan scan = store.scanSource(request.selection(), 1, Math.max(1, sampleSize))) {
            sample = scan.nextPage(0);
        }
        Map<String, Object> instructions = request.instructions().meta();
        String queuedAt = clock.instant().toString();
        List<PreparedDocument> prepared = new ArrayList<>();
        int failing = 0;
        for (SourceDocument document : sample) {
            QueueEntry entry = Enqueuer.entry(document, instructions, request.backfillId(), queuedAt);
            try {
                prepared.add(processor.prepare(new QueuedDocument(entry.id(), 0, 0, entry.source())));
            } catch (InvalidDocumentException e) {
                if (failing++ < SHOWN) {
                    out.println("WOULD FAIL  id " + document.id() + ": " + e.getMessage());
                }
            }
        }
        List<CacheKey> keys = prepared.stream().map(processor::cacheKey).toList();
        Map<CacheKey, CachedAnswer> answers = cache.lookup(keys);
        String model = String.valueOf(instructions.get("model"));
        TokenEstimator estimator = new TokenEstimator();
        for (int i = 0; i < prepared.size(); i++) {
            CachedAnswer answer = answers.get(keys.get(i));
            if (answer != null && answer.usage() != null) {
                estimator.observe(model, prepared.get(i).prompt().length(), answer.usage().promptTokens(),
                        answer.usage().completionTokens());
            }
        }
        long sampleTokens = 0;
        int cached = 0;
        for (int i = 0; i < prepared.size(); i++) {
            if (answers.containsKey(keys.get(i))) {
                cached++;
            } else {
                sampleTokens += estimator.estimate(model, prepared.get(i).prompt().length(), OptionalLong.empty());
            }
            if (i < SHOWN) {
                out.println("PROMPT      id " + prepared.get(i).document().id() + ": "
                        + prepared.get(i).prompt().replace("\n", "\n            "));
            }
        }
        long estimated = sample.isEmpty() ? 0 : Math.round((double) sampleTokens * matched / sample.size());
        OptionalLong budget = limits.of(model);
        OptionalDouble days = budget.isPresent() && budget.getAsLong() > 0
                ? OptionalDouble.of((double) estimated / budget.getAsLong()) : OptionalDouble.empty();
        Estimate estimate = new Estimate(matched, sample.size(), failing, cached, sampleTokens, estimated, model,
                days);
        print(estimate, request, out);
        return estimate;
    }

    private static void print(Estimate e, EnqueueRequest request, PrintStream out) {
        out.printf("Dry run of backfill %s from %s: %d documents match; of a sample of %d, %d would fail before any "
                        + "call and the answer cache already answers %d (calls saved); about %d tokens for %s in all "
                        + "(%d for the sample's calls)%s. Nothing was queued.%n", request.backfillId(),
                request.selection().from(), e.matched(), e.sampled(), e.failing(), e.cached(), e.estimatedTokens(),
                e.model(), e.sampleTokens(), e.days().isPresent()
                        ? String.format(java.util.Locale.ROOT, ", %.1f days within the daily token budget",
                        e.days().getAsDouble())
                        : ", no daily token budget for it");
    }
}
