package dev.llmwatcher.cli;

import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.app.InstanceName;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.queue.QueueRelease;

import java.util.Set;

/**
 * {@code release}: puts parked or errored documents back to be processed as new ones, after the operator fixed
 * what made them fail (a prompt, a model name, a quota). Releasing everything needs an explicit {@code --all}.
 */
public final class ReleaseCommand implements Command {

    static final String ALL = "--all";
    static final String PARKED = "--parked";
    static final String ERROR = "--error";

    @Override
    public String name() {
        return "release";
    }

    @Override
    public String summary() {
        return "put parked or errored documents back to be processed (--all, --parked, --error TEXT, or ids)";
    }

    @Override
    public Set<String> switches() {
        return Set.of(ALL, PARKED);
    }

    @Override
    public Set<String> options() {
        return Set.of(ERROR);
    }

    @Override
    public String help() {
        return """
                  --all                              release every parked or errored document
                  --parked                           only parked documents (attempt limit reached)
                  --error TEXT                       only documents whose error contains this phrase
                  ID ...                             only these document ids
                """;
    }

    @Override
    public int run(Arguments arguments, Console console) {
        String error = arguments.options().get(ERROR);
        boolean narrowed = arguments.has(PARKED) || error != null || !arguments.operands().isEmpty();
        if (!narrowed && !arguments.has(ALL)) {
            throw new UsageException("say which documents to release: --all, --parked, --error TEXT, or ids");
        }
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        QueueRelease.Criteria criteria = new QueueRelease.Criteria(arguments.has(PARKED), error,
                arguments.operands());
        QueueRelease.Result result;
        try (Watcher watcher = Watcher.create(config, console.clock(), InstanceName.of("cli"))) {
            result = watcher.release().release(config.watchIndex(), criteria, console.clock().instant());
        }
        console.out().printf("Released %d documents in %s%s%n", result.released(), config.watchIndex(),
                result.conflicts() > 0 ? "; " + result.conflicts() + " changed meanwhile and were left alone" : "");
        result.failed().forEach((id, reason) -> console.err().println("llm-watcher: not released (id: " + id + "): "
                + reason));
        return result.failed().isEmpty() ? Main.OK : Main.FAILED;
    }
}
