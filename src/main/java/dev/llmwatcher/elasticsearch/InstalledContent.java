package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.store.InstallContent;

/**
 * What the installers ({@link QueueTemplateInstaller}, {@link PipelineInstaller}) share: the shipped resources they
 * install, and one canonical text and content hash per content, so that installing again leaves an identical
 * template or pipeline alone. The content itself is shared with the OpenSearch adapter ({@link InstallContent}).
 */
final class InstalledContent {

    private InstalledContent() {
    }

    /** A resource shipped in the jar, e.g. {@code /llm-watcher/queue-index-template.json}. */
    static String resource(String path) {
        return InstallContent.resource(path);
    }

    /** Compact JSON with every object's keys sorted: the same text for the same content. */
    static String canonical(Object value) {
        return InstallContent.canonical(value);
    }

    /** SHA-256 of the text, in lower-case hex. */
    static String hash(String text) {
        return InstallContent.hash(text);
    }
}
