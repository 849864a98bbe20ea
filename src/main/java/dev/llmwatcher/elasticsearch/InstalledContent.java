package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.json.JsonCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What the installers ({@link QueueTemplateInstaller}, {@link PipelineInstaller}) share: the shipped resources they
 * install, and one canonical text and content hash per content, so that installing again leaves an identical
 * template or pipeline alone.
 */
final class InstalledContent {

    private InstalledContent() {
    }

    /** A resource shipped in the jar, e.g. {@code /llm-watcher/queue-index-template.json}. */
    static String resource(String path) {
        try (InputStream in = InstalledContent.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compact JSON with every object's keys sorted: the same text for the same content. */
    static String canonical(Object value) {
        return JsonCodec.writeSorted(value);
    }

    /** SHA-256 of the text, in lower-case hex. */
    static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
