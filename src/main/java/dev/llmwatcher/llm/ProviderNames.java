package dev.llmwatcher.llm;

import java.util.List;

/**
 * The providers a queue document may name in {@code _llm_watcher.provider}, as the pipeline writes them. Part of the
 * port, so the engine and the command line can name a provider without knowing the package that speaks to it.
 */
public final class ProviderNames {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";
    public static final String BEDROCK = "bedrock";
    /** Every provider a queue document may name. */
    public static final List<String> ALL = List.of(OLLAMA, OPENAI, BEDROCK);

    private ProviderNames() {
    }
}
