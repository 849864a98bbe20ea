package dev.llmwatcher.config;

import java.util.List;

/**
 * The configuration cannot be used. The message lists every problem found, each naming the flag or environment
 * variable to fix, so a user fixes them all in one go.
 */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
