package dev.llmwatcher.cli;

import dev.llmwatcher.app.InstanceName;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.batch.BatchOperations;
import dev.llmwatcher.engine.BatchReport;

import java.util.List;
import java.util.Set;

/**
 * {@code batches}: the queue's OpenAI batches (id, documents, age, the provider's status and request counts), and
 * {@code --cancel ID} to cancel one; its documents go back to the queue with the next pass.
 */
public final class BatchesCommand implements Command {

    static final String CANCEL = "--cancel";

    @Override
    public String name() {
        return "batches";
    }

    @Override
    public String summary() {
        return "list the queue's open OpenAI batches, or cancel one (--cancel ID)";
    }

    @Override
    public Set<String> options() {
        return Set.of(CANCEL);
    }

    @Override
    public String help() {
        return "  --cancel ID                        cancel this batch; its documents go back to the queue\n";
    }

    @Override
    public int run(Arguments arguments, Console console) throws Exception {
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        try (Watcher watcher = Watcher.create(config, console.clock(), InstanceName.of("cli"))) {
            BatchOperations batches = watcher.batchOperations();
            String cancel = arguments.options().get(CANCEL);
            if (cancel != null) {
                try {
                    ProviderBatch cancelled = batches.cancel(config.watchIndex(), cancel);
                    console.out().printf("Batch %s is %s; its documents go back to %s with the next pass once it "
                            + "is cancelled%n", cancelled.id(), cancelled.status(), config.watchIndex());
                    return Main.OK;
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            List<BatchReport.OpenBatch> open = batches.open(config.watchIndex());
            if (open.isEmpty()) {
                console.out().println("No open batches in " + config.watchIndex() + ".");
            } else {
                print(config.watchIndex(), open, console);
            }
        }
        return Main.OK;
    }

    /** For {@code status}: the open batches, when there are any, of the status's {@code watcher}. */
    static void printOpen(Watcher watcher, WatcherConfig config, Console console) throws Exception {
        List<BatchReport.OpenBatch> open = watcher.batchOperations().open(config.watchIndex());
        if (!open.isEmpty()) {
            print(config.watchIndex(), open, console);
        }
        watcher.batchOperations().refusals(config.watchIndex()).ifPresent(refused -> console.out().printf(
                "Batch API refusals: the last %d batches of %s were refused (the last at %s: %s); no batch is "
                        + "submitted before %s%s%n", refused.count(), config.watchIndex(), refused.lastAt(),
                refused.reason(), refused.notBefore(), refused.count() >= BatchOperations.giveUpAfter()
                        ? ", and meanwhile OpenAI documents are called directly (batch mode auto) or fail with "
                        + "this reason (batch mode always)" : ""));
    }

    private static void print(String queueIndex, List<BatchReport.OpenBatch> open, Console console) {
        console.out().println("Open batches in " + queueIndex + ":");
        console.out().printf("  %-28s %9s %9s  %-12s %s%n", "batch", "documents", "age", "status",
                "requests done/failed/total");
        for (BatchReport.OpenBatch batch : open) {
            console.out().printf("  %-28s %9d %9s  %-12s %d/%d/%d%n",
                    batch.id().isEmpty() ? "(" + batch.submission() + ")" : batch.id(), batch.documents(),
                    StatusCommand.age(batch.age()), batch.status(), batch.counts().completed(),
                    batch.counts().failed(), batch.counts().total());
        }
    }
}
