package dev.llmwatcher.json;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one plain {@link ObjectMapper} the watcher shares (thread-safe once configured): each mapper builds its own
 * serializers on first use, so one shared mapper means one warm-up instead of one per class. Mappers with other
 * settings (sorted keys for content hashes, exact decimals for answers) stay with the classes that need them.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
