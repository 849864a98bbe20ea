package dev.llmwatcher.cli;

import dev.llmwatcher.budget.DaySpend;
import dev.llmwatcher.config.BudgetSettings;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.queue.QueueInspection;

import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The {@code status} command's part about the daily token budgets: today's spend per model (every model the ledger
 * has today, and every model the configuration names) against its budget, and how many documents wait for a spent
 * one.
 *
 * @param limit   the model's budget as this configuration has it; empty for none
 * @param waiting eligible documents of the model, counted only when its budget is spent
 */
record BudgetStatus(String model, OptionalLong limit, DaySpend day, boolean exhausted, long waiting) {

    /** Today's budgets, or none when no budget is configured and nothing was spent against one today. */
    static List<BudgetStatus> read(BudgetSettings settings, TokenLedger ledger, QueueInspection queues, String queue,
                                   Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Map<String, DaySpend> spends = new LinkedHashMap<>();
        ledger.day(today, now).forEach(day -> spends.put(day.model(), day));
        TreeSet<String> models = new TreeSet<>(spends.keySet());
        models.addAll(settings.limits().perModel().keySet());
        List<BudgetStatus> rows = new ArrayList<>();
        for (String model : models) {
            DaySpend day = spends.getOrDefault(model, DaySpend.none(model, today));
            OptionalLong limit = settings.limits().of(model);
            boolean exhausted = limit.isPresent() && day.exhausted(limit.getAsLong());
            rows.add(new BudgetStatus(model, limit, day, exhausted,
                    exhausted ? queues.eligibleOf(queue, model, now) : 0));
        }
        return rows;
    }

    static void print(BudgetSettings settings, List<BudgetStatus> rows, Instant now, PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        out.printf("Daily token budgets %s (UTC), in %s:%n", LocalDate.ofInstant(now, ZoneOffset.UTC),
                settings.index());
        rows.forEach(row -> out.println("  " + row.line()));
    }

    private String line() {
        if (limit.isEmpty()) {
            return String.format(Locale.ROOT, "%-28s %,d spent, no budget", model, day.spent());
        }
        long budget = limit.getAsLong();
        String text = String.format(Locale.ROOT, "%-28s %,d of %,d spent", model, day.spent(), budget);
        if (day.held() > 0) {
            text += String.format(Locale.ROOT, ", %,d held by calls in flight", day.held());
        }
        if (exhausted) {
            text += String.format(Locale.ROOT, ": spent, %,d documents wait until 00:00 UTC", waiting);
        } else {
            text += String.format(Locale.ROOT, ", %,d left", day.remaining(budget));
        }
        return text;
    }

    static Map<String, Object> json(BudgetSettings settings, List<BudgetStatus> rows, Instant now) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("index", settings.index());
        json.put("day", LocalDate.ofInstant(now, ZoneOffset.UTC).toString());
        json.put("models", rows.stream().map(BudgetStatus::modelJson).toList());
        return json;
    }

    private Map<String, Object> modelJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("limit", limit.isPresent() ? limit.getAsLong() : null);
        json.put("spent", day.spent());
        json.put("held", day.held());
        json.put("remaining", limit.isPresent() ? Math.max(0, day.remaining(limit.getAsLong())) : null);
        json.put("exhausted", exhausted);
        json.put("waiting_documents", waiting);
        return json;
    }
}
