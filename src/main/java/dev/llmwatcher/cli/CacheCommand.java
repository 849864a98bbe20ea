package dev.llmwatcher.cli;

import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.opensearch.OpenSearchAdmin;
import dev.llmwatcher.opensearch.OpenSearchClients;

import java.time.Duration;
import java.util.Set;

/**
 * {@code cache}: the answer cache's size, and its upkeep: {@code --clear} empties it (after a model was re-tagged
 * under the same name, say), {@code --older-than SECONDS} drops what is older than that (to keep the index small;
 * the watcher never gives an answer older than its maximum age anyway). Safe while watchers run: a dropped entry
 * only costs its question a call the next time it is asked.
 */
public final class CacheCommand implements Command {

    static final String CLEAR = "--clear";
    static final String OLDER_THAN = "--older-than";

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public String summary() {
        return "show the answer cache's size; empty it (--clear) or drop old answers (--older-than SECONDS)";
    }

    @Override
    public Set<String> switches() {
        return Set.of(CLEAR);
    }

    @Override
    public Set<String> options() {
        return Set.of(OLDER_THAN);
    }

    @Override
    public String help() {
        return """
                  --clear                            delete every cached answer
                  --older-than SECONDS               delete the answers cached more than SECONDS ago
                """;
    }

    @Override
    public int run(Arguments arguments, Console console) {
        String olderThan = arguments.options().get(OLDER_THAN);
        if (arguments.has(CLEAR) && olderThan != null) {
            throw new UsageException("give " + CLEAR + " or " + OLDER_THAN + ", not both");
        }
        Duration age = olderThan == null ? null : seconds(olderThan);
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        String index = config.answerCache().index();
        if (OpenSearchClients.engineOf(config.elasticsearch()) == SearchEngine.OPENSEARCH) {
            try (OpenSearchAdmin admin = OpenSearchAdmin.open(config.elasticsearch())) {
                maintain(admin.answerCache(index), arguments.has(CLEAR), age, console);
            }
        } else {
            try (ClusterAdmin admin = ClusterAdmin.open(config.elasticsearch())) {
                maintain(admin.answerCache(index), arguments.has(CLEAR), age, console);
            }
        }
        return Main.OK;
    }

    private static void maintain(CacheMaintenance cache, boolean clear, Duration age, Console console) {
        String index = cache.index();
        if (clear) {
            console.out().printf("Deleted %d cached answers from %s%n", cache.clear(), index);
        } else if (age != null) {
            console.out().printf("Deleted %d cached answers older than %s from %s%n",
                    cache.dropAnsweredBefore(console.clock().instant().minus(age)), StatusCommand.age(age), index);
        }
        console.out().printf("Answer cache %s: %d answers%n", index, cache.size());
    }

    private static Duration seconds(String value) {
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds < 0) {
                throw new UsageException(OLDER_THAN + " must be 0 or more seconds, got " + value);
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new UsageException(OLDER_THAN + " expects a whole number of seconds, got '" + value + "'");
        }
    }
}
