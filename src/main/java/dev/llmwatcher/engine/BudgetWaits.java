package dev.llmwatcher.engine;

import dev.llmwatcher.budget.BudgetUse;
import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueueUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * At the end of a pass, for each model whose budget is spent: how many of its documents wait (one count each), said
 * in one line per model, e.g. {@code Daily token budget for gpt-4o-mini spent (2,000,000 of 2,000,000): 1,234
 * documents wait until 00:00 UTC}.
 */
final class BudgetWaits {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetWaits.class);

    private BudgetWaits() {
    }

    /** @param query the pass's query without its model filter */
    static List<ModelBudget> count(QueueStore store, QueueQuery query, Clock clock, List<BudgetUse> uses) {
        List<ModelBudget> budgets = new ArrayList<>();
        Instant now = clock.instant();
        for (BudgetUse use : uses) {
            if (!use.exhausted()) {
                budgets.add(new ModelBudget(use, 0));
                continue;
            }
            long waiting = waiting(store, query.asOf(now).withModels(ModelFilter.onlyModel(use.model())));
            budgets.add(new ModelBudget(use, waiting));
            if (waiting > 0) {
                LOG.info(String.format(Locale.ROOT, "Daily token budget for %s spent (%,d of %,d): %,d documents wait "
                        + "until 00:00 UTC", use.model(), use.used(), use.limit(), waiting));
            }
        }
        return budgets;
    }

    /** The documents that wait, or 0 when they cannot be counted (the pass is done; a count must not fail it). */
    private static long waiting(QueueStore store, QueueQuery query) {
        try {
            return store.countEligible(query);
        } catch (QueueUnavailableException e) {
            LOG.warn("Could not count the documents that wait for the token budget of {}: {}",
                    query.models().only().orElse("?"), e.getMessage());
            return 0;
        }
    }
}
