package dev.llmwatcher.backfill;

import java.util.Map;

/**
 * A document as a backfill scan read it: its concrete index, id, version ({@code _seq_no}/{@code _primary_term})
 * and source.
 */
public record SourceDocument(String index, String id, long seqNo, long primaryTerm, Map<String, Object> source) {

    public SourceDocument {
        source = source == null ? Map.of() : source;
    }
}
