package dev.llmwatcher.store;

import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.queue.QueueFields;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code setup} installs on either engine: the stored painless script {@value #SCRIPT_ID} (the original's
 * source, shipped as {@value #SCRIPT_RESOURCE}), the ingest pipeline calling it (which also stamps
 * {@code _llm_watcher.queued_at}), and one canonical text and content hash per content, so installing again leaves
 * identical content alone.
 */
public final class InstallContent {

    public static final String SCRIPT_ID = "llm";
    public static final String SCRIPT_RESOURCE = "/llm-watcher/llm-script.painless";

    private InstallContent() {
    }

    /** The shipped script's painless source. */
    public static String scriptSource() {
        return resource(SCRIPT_RESOURCE);
    }

    /** Body of {@code PUT _ingest/pipeline/<name>}, without our {@code _meta}. */
    public static Map<String, Object> pipeline(PipelineSpec spec) {
        Map<String, Object> pipeline = new LinkedHashMap<>();
        pipeline.put("description", "llm-watcher: queue documents for an LLM (" + spec.name() + ")");
        pipeline.put("processors", List.of(
                Map.of("script", Map.of("id", SCRIPT_ID, "params", spec.scriptParams())),
                Map.of("set", Map.of("field", QueueFields.QUEUED_AT_PATH, "value", "{{{_ingest.timestamp}}}"))));
        return pipeline;
    }

    /** A resource shipped in the jar, e.g. {@code /llm-watcher/queue-index-template.json}. */
    public static String resource(String path) {
        try (InputStream in = InstallContent.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compact JSON with every object's keys sorted: the same text for the same content. */
    public static String canonical(Object value) {
        return JsonCodec.writeSorted(value);
    }

    /** SHA-256 of the text, in lower-case hex. */
    public static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
