package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import dev.llmwatcher.batch.BatchRefusals;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The batch refusals of each queue, one document per queue ({@code _id} {@code batch-refusals/QUEUE}) in the token
 * budget's index, which is ours already: {@code count}, {@code reason}, {@code last_at}, {@code not_before}, kept in
 * {@code _source} and not indexed. A plain write, the last one wins: two drainers settling two refused batches at once
 * may count one refusal where there were two, which only shortens one delay.
 */
public final class ElasticsearchBatchRefusals implements BatchRefusals {

    private static final String PREFIX = "batch-refusals/";

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final ElasticsearchTokenLedger ledger;

    ElasticsearchBatchRefusals(ElasticsearchClient client, ElasticsearchFailures failures,
                               ElasticsearchTokenLedger ledger) {
        this.client = client;
        this.failures = failures;
        this.ledger = ledger;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Optional<Refusals> read(String queueIndex) {
        try {
            GetResponse<Map> response = client.get(g -> g.index(ledger.index()).id(PREFIX + queueIndex), Map.class);
            if (!response.found() || response.source() == null) {
                return Optional.empty();
            }
            Map<?, ?> source = response.source();
            return Optional.of(new Refusals(((Number) source.get("count")).intValue(), (String) source.get("reason"),
                    Instant.parse((String) source.get("last_at")), Instant.parse((String) source.get("not_before"))));
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return Optional.empty();
            }
            throw failures.unavailable("read the batch refusals of " + queueIndex, e);
        }
    }

    @Override
    public void write(String queueIndex, Refusals refusals) {
        ledger.ensureIndex();
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("queue", queueIndex);
        source.put("count", refusals.count());
        source.put("reason", refusals.reason());
        source.put("last_at", refusals.lastAt().toString());
        source.put("not_before", refusals.notBefore().toString());
        try {
            client.index(i -> i.index(ledger.index()).id(PREFIX + queueIndex).document(source));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("record a batch refusal of " + queueIndex, e);
        }
    }

    @Override
    public void clear(String queueIndex) {
        try {
            client.delete(d -> d.index(ledger.index()).id(PREFIX + queueIndex));
        } catch (IOException | RuntimeException e) {
            if (!ElasticsearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("clear the batch refusals of " + queueIndex, e);
            }
        }
    }
}
