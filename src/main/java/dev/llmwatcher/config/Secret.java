package dev.llmwatcher.config;

/**
 * A credential that must never reach a log line, an error message or a metric: its {@code toString} is masked,
 * so printing a configuration record is always safe.
 */
public record Secret(String value) {

    public static final Secret NONE = new Secret("");

    public Secret {
        value = value == null ? "" : value;
    }

    public static Secret of(String value) {
        return value == null || value.isBlank() ? NONE : new Secret(value.strip());
    }

    public boolean isPresent() {
        return !value.isEmpty();
    }

    @Override
    public String toString() {
        return isPresent() ? "****" : "(none)";
    }
}
