package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.app.InstanceName;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.config.AnswerCacheSettings;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.queue.QueueStatus;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code status}: what is in the queue and what is stuck, so an operator can see at a glance whether the watcher
 * keeps up and which errors to fix. {@code --json} prints the same as one JSON object for scripts.
 */
public final class StatusCommand implements Command {

    static final String JSON = "--json";


    @Override
    public String name() {
        return "status";
    }

    @Override
    public String summary() {
        return "show what is in the queue: eligible, claimed, errored, parked; top errors; the answer cache's size; "
                + "today's token budgets";
    }

    @Override
    public Set<String> switches() {
        return Set.of(JSON);
    }

    @Override
    public String help() {
        return "  --json                             print the status as one JSON object\n";
    }

    @Override
    public int run(Arguments arguments, Console console) throws Exception {
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        Instant now = console.clock().instant();
        try (Watcher watcher = Watcher.create(config, console.clock(), InstanceName.of("cli"))) {
            QueueStatus status = watcher.inspection().inspect(config.watchIndex(), now);
            long cached = watcher.cacheMaintenance(config.answerCache().index()).size();
            List<BudgetStatus> budgets = BudgetStatus.read(config.budget(),
                    watcher.tokenLedger(config.budget().index()), watcher.inspection(), config.watchIndex(), now);
            List<BackfillStatus> backfills = BackfillStatus.read(watcher.backfillStore(), config.watchIndex());
            Optional<BatchRefusals.Refusals> refusals = watcher.batchOperations().refusals(config.watchIndex());
            if (arguments.has(JSON)) {
                Map<String, Object> json = asJson(status);
                json.put("answer_cache", cacheJson(config.answerCache(), cached));
                json.put("token_budgets", BudgetStatus.json(config.budget(), budgets, now));
                json.put("backfills", BackfillStatus.json(backfills, now));
                json.put("batch_refusals", refusals.map(refused -> Map.of("count", refused.count(), "reason",
                        refused.reason(), "last_at", refused.lastAt().toString(), "not_before",
                        refused.notBefore().toString())).orElse(null));
                console.out().println(Json.mapper().writeValueAsString(json));
            } else {
                print(status, now, console.out());
                printCache(config.answerCache(), cached, console.out());
                BudgetStatus.print(config.budget(), budgets, now, console.out());
                BackfillStatus.print(backfills, now, console.out());
                if (status.exists()) {
                    BatchesCommand.printOpen(watcher, config, console);
                }
            }
        }
        return Main.OK;
    }

    static Map<String, Object> cacheJson(AnswerCacheSettings cache, long entries) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("index", cache.index());
        json.put("enabled", cache.enabled());
        json.put("max_age_seconds", cache.maxAge().toSeconds());
        json.put("entries", entries);
        return json;
    }

    static void printCache(AnswerCacheSettings cache, long entries, PrintStream out) {
        out.printf("Answer cache %s: %d answers, %s%n", cache.index(), entries, cache.enabled()
                ? "reused for up to " + age(cache.maxAge()) : "off (LLM_WATCHER_ANSWER_CACHE=false)");
    }

    /** The status as plain JSON values: dates as ISO-8601 strings, a missing oldest date as null. */
    static Map<String, Object> asJson(QueueStatus status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("index", status.index());
        json.put("exists", status.exists());
        json.put("total", status.total());
        json.put("eligible_new", status.eligibleNew());
        json.put("eligible_retry", status.eligibleRetry());
        json.put("claimed", status.claimed());
        json.put("errored", status.errored());
        json.put("parked", status.parked());
        json.put("oldest_queued_at", status.oldestQueuedAt().map(Instant::toString).orElse(null));
        json.put("top_errors", status.topErrors().stream()
                .map(c -> Map.of("error", c.value(), "documents", c.documents())).toList());
        json.put("by_index", groupsJson(status.byIndex()));
        json.put("by_model", groupsJson(status.byModel()));
        return json;
    }

    private static List<Map<String, Object>> groupsJson(List<QueueStatus.Group> groups) {
        return groups.stream().map(g -> Map.<String, Object>of("value", g.value(), "documents", g.documents(),
                "errored", g.errored())).toList();
    }

    static void print(QueueStatus status, Instant now, PrintStream out) {
        if (!status.exists()) {
            out.println("Queue " + status.index() + " does not exist yet: nothing queued.");
            return;
        }
        out.println("Queue " + status.index() + ": " + status.total() + " documents");
        out.printf("  eligible now   %d new, %d failed and due for a retry (--retry-errors)%n",
                status.eligibleNew(), status.eligibleRetry());
        out.printf("  claimed        %d (a pass is working on them)%n", status.claimed());
        out.printf("  errored        %d, of which parked %d%s%n", status.errored(), status.parked(),
                status.parked() > 0 ? " (put back with: llm-watcher release --parked)" : "");
        status.oldestQueuedAt().ifPresent(at -> out.printf("  oldest queued  %s (%s ago)%n", at,
                age(Duration.between(at, now))));
        section(out, "Most common errors:", status.topErrors().stream()
                .map(c -> String.format("  %6d  %s", c.documents(), c.value())).toList());
        section(out, "By original index:", groups(status.byIndex()));
        section(out, "By model:", groups(status.byModel()));
    }

    private static List<String> groups(List<QueueStatus.Group> groups) {
        return groups.stream().map(g -> String.format("  %6d  %s%s", g.documents(), g.value(),
                g.errored() > 0 ? " (" + g.errored() + " errored)" : "")).toList();
    }

    private static void section(PrintStream out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.println(title);
            lines.forEach(out::println);
        }
    }

    static String age(Duration age) {
        if (age.isNegative()) {
            return "0s";
        }
        if (age.toDays() > 0) {
            return age.toDays() + "d " + age.toHoursPart() + "h";
        }
        if (age.toHours() > 0) {
            return age.toHours() + "h " + age.toMinutesPart() + "m";
        }
        return age.toMinutes() > 0 ? age.toMinutes() + "m " + age.toSecondsPart() + "s" : age.toSeconds() + "s";
    }
}
