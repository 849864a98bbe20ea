package dev.llmwatcher.queue;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an ingest pipeline tells the stored script {@code llm}: the same parameters as the original README's
 * pipeline. A null parameter is left out, so the script's default applies (provider {@code ollama}, model
 * {@code llama3.3}, empty format, null options).
 *
 * @param name       pipeline id, {@code llm} in the original ({@code ?pipeline=llm})
 * @param queueIndex where the script sends documents ({@code queue_index})
 * @param format     a JSON schema object, or the string {@code json}
 */
public record PipelineSpec(String name, String provider, String model, String prompt, Object format,
                           Map<String, Object> options, String queueIndex) {

    public static final String DEFAULT_NAME = "llm";

    /** The {@code params} of the script processor. */
    public Map<String, Object> scriptParams() {
        Map<String, Object> params = new LinkedHashMap<>();
        putIfPresent(params, "provider", provider);
        putIfPresent(params, "model", model);
        putIfPresent(params, "prompt", prompt);
        putIfPresent(params, "format", format);
        putIfPresent(params, "options", options);
        putIfPresent(params, "queue_index", queueIndex);
        return params;
    }

    private static void putIfPresent(Map<String, Object> params, String key, Object value) {
        if (value != null) {
            params.put(key, value);
        }
    }
}
