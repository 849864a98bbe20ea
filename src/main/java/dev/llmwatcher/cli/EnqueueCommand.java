package dev.llmwatcher.cli;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.backfill.BackfillInstructions;
import dev.llmwatcher.engine.backfill.EnqueueReport;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.queue.PipelineSpec;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * {@code enqueue --from INDEX}: queues documents that are already in an index (or alias, or pattern), with the
 * instructions {@code setup} would give the pipeline, so the ordinary drain enriches them in place. Safe to run
 * again: a document already queued is counted, never queued twice.
 */
public final class EnqueueCommand implements Command {

    static final String FROM = "--from";
    static final String QUERY = "--query";
    static final String TARGET_FIELD = "--target-field";
    static final String SLICES = "--slices";
    static final String BACKFILL_ID = "--backfill-id";
    static final String DRY_RUN = "--dry-run";
    static final String SAMPLE = "--sample";
    static final int DEFAULT_SAMPLE = 100;

    @Override
    public String name() {
        return "enqueue";
    }

    @Override
    public String summary() {
        return "queue documents already in an index to enrich them in place (backfill)";
    }

    @Override
    public Set<String> options() {
        return Set.of(FROM, QUERY, "--provider", "--model", "--prompt", "--schema", "--options", "--pipeline-file",
                TARGET_FIELD, SLICES, BACKFILL_ID, SAMPLE);
    }

    @Override
    public Set<String> switches() {
        return Set.of(DRY_RUN);
    }

    @Override
    public String help() {
        return """
                  --from INDEX                       index, alias or pattern whose documents to queue (required)
                  --query JSON                       Query DSL selecting the documents (default: all)
                  --provider, --model, --prompt, --schema, --options, --pipeline-file
                                                     the instructions, as setup takes them (--prompt required)
                  --target-field FIELD               put the answer under FIELD instead of merging it at the root
                  --slices N                         concurrent slices of the scan (default 2)
                  --backfill-id ID                   name of this backfill in status (default bf-DATE-TIME-XXXX)
                  --dry-run                          queue nothing: count the matches, render a sample of prompts,
                                                     estimate the tokens and the days within --daily-token-budget
                  --sample N                         documents the dry run prepares and estimates (default 100)
                """;
    }

    @Override
    public int run(Arguments arguments, Console console) throws IOException, InterruptedException {
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        EnqueueRequest request = request(arguments, config, console);
        int sample = positive(SAMPLE, arguments.options().get(SAMPLE), DEFAULT_SAMPLE, 10_000);
        EnqueueReport report;
        try (Watcher watcher = Watcher.create(config, console.clock(), "enqueue")) {
            if (arguments.has(DRY_RUN)) {
                watcher.estimate(request, sample, console.out());
                return Main.OK;
            }
            ProgressLine progress = ProgressLine.forConsole(console);
            progress.started(watcher.backfillStore().countMatching(request.selection()));
            try {
                report = watcher.enqueue(new EnqueueRequest(request.selection(), request.queueIndex(),
                        request.instructions(), request.backfillId(), request.slices(), request.pageSize(),
                        read -> progress.written((int) Math.min(read, Integer.MAX_VALUE), 0)));
            } finally {
                progress.finish();
            }
        }
        EnqueueResult result = report.result();
        console.out().printf("backfill %s: %d documents matched %s; %d read, %d queued, %d already queued, "
                        + "%d failed in %.1f s (%.0f documents/s)%n", report.backfillId(), report.matched(),
                request.selection().from(), report.read(), result.created(), result.alreadyQueued(), result.failed(),
                report.took().toMillis() / 1000.0, report.rate());
        result.firstFailures().forEach((id, reason) -> console.err().println("  not queued " + id + ": " + reason));
        if (result.failed() > 0) {
            console.err().println("llm-watcher: " + result.failed() + " documents were not queued; run the same "
                    + "enqueue again to queue them (those queued already are counted, not queued twice)");
        }
        return result.failed() == 0 ? Main.OK : Main.FAILED;
    }

    static EnqueueRequest request(Arguments arguments, WatcherConfig config, Console console) throws IOException {
        String from = arguments.options().get(FROM);
        if (from == null || from.isBlank()) {
            throw new UsageException(FROM + " INDEX is required: the index, alias or pattern to backfill from");
        }
        PipelineSpec spec = SetupCommand.spec(arguments, config.watchIndex());
        if (spec.prompt() == null || spec.prompt().isBlank()) {
            throw new UsageException("--prompt is required (or \"prompt\" in --pipeline-file)");
        }
        BackfillInstructions instructions = new BackfillInstructions(spec.provider(), spec.model(), spec.prompt(),
                spec.format(), spec.options(), arguments.options().get(TARGET_FIELD));
        String backfillId = arguments.options().getOrDefault(BACKFILL_ID, Enqueuer.newBackfillId(console.clock()));
        return new EnqueueRequest(new SourceSelection(from, query(arguments.options().get(QUERY))),
                config.watchIndex(), instructions, backfillId,
                positive(SLICES, arguments.options().get(SLICES), EnqueueRequest.DEFAULT_SLICES, 64),
                EnqueueRequest.DEFAULT_PAGE_SIZE, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> query(String json) {
        if (json == null) {
            return Map.of();
        }
        Object parsed;
        try {
            parsed = Json.mapper().readValue(json, Object.class);
        } catch (IOException e) {
            throw new UsageException(QUERY + " is not valid JSON: " + json);
        }
        if (!(parsed instanceof Map<?, ?> query)) {
            throw new UsageException(QUERY + " must be a JSON object (Query DSL), got " + json);
        }
        Object inner = query.get("query");
        return (Map<String, Object>) (query.size() == 1 && inner instanceof Map<?, ?> ? inner : query);
    }

    private static int positive(String flag, String text, int otherwise, int max) {
        if (text == null) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= 1 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a whole number from 1 to " + max + ", got " + text);
        }
        throw new UsageException(flag + " must be a whole number from 1 to " + max + ", got " + text);
    }
}
