package dev.llmwatcher.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.InvalidDocumentException;
import dev.llmwatcher.engine.PreparedDocument;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * {@code --dry-run}: what a pass would send, without sending anything. Each eligible document is checked and its
 * prompt rendered exactly as a pass would ({@link DocumentProcessor#prepare}); documents that would fail before any
 * LLM call are listed with the reason, and documents carrying a result an earlier pass set aside (Elasticsearch
 * pushed back until its deadline) are listed as stored without a call. The queue is only read: nothing is claimed,
 * called or written, so users can check a new pipeline before paying for it.
 */
public final class DryRun {

    /** Documents shown in full; the rest are only counted (failures are always listed). */
    public static final int SHOWN = 20;

    private static final ObjectMapper JSON = Json.mapper();

    /**
     * How many documents would be sent, how many would fail before a call, and how many would be stored from a
     * result set aside by an earlier pass, without a call.
     */
    public record Summary(int ready, int failing, int storedWithoutCall) {
    }

    private DryRun() {
    }

    public static Summary run(QueueStore store, DocumentProcessor processor, QueueQuery query, PrintStream out) {
        int ready = 0;
        int failing = 0;
        int storedWithoutCall = 0;
        try (QueueScan scan = store.scan(query)) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                for (QueuedDocument document : page) {
                    try {
                        Optional<CompletedDocument> pending = processor.pendingResult(document);
                        if (pending.isPresent()) {
                            storedWithoutCall++;
                            out.println("STORE       id " + document.id() + " -> " + pending.get().targetIndex()
                                    + ": stored from a set-aside result, no call");
                            continue;
                        }
                        PreparedDocument prepared = processor.prepare(document);
                        if (ready++ < SHOWN) {
                            show(prepared, out);
                        }
                    } catch (InvalidDocumentException e) {
                        failing++;
                        out.println("WOULD FAIL  id " + document.id() + ": " + e.getMessage());
                    }
                }
            }
        }
        if (ready > SHOWN) {
            out.println("... and " + (ready - SHOWN) + " more ready documents");
        }
        out.printf("Dry run of %s: %d documents would be sent to an LLM, %d would fail before any call%s. "
                + "Nothing was called, claimed or written.%n", query.index(), ready, failing,
                storedWithoutCall == 0 ? ""
                        : ", " + storedWithoutCall + " would be stored from a set-aside result without a call");
        return new Summary(ready, failing, storedWithoutCall);
    }

    private static void show(PreparedDocument prepared, PrintStream out) {
        var instructions = prepared.instructions();
        out.println("READY       id " + prepared.document().id() + " -> " + instructions.originalIndex()
                + instructions.targetField().map(f -> " (under " + f + ")").orElse(""));
        out.println("  provider  " + instructions.provider() + ", model " + instructions.model()
                + (instructions.options() == null || instructions.options().isEmpty() ? ""
                : ", options " + json(instructions.options())));
        out.println("  format    " + (prepared.format().hasSchema() ? json(prepared.format().schemaMap())
                : prepared.format().mode().name().toLowerCase(java.util.Locale.ROOT)));
        out.println("  prompt    " + prepared.prompt().replace("\n", "\n            "));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }
}
