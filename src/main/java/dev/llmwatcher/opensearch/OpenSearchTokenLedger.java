package dev.llmwatcher.opensearch;

import dev.llmwatcher.budget.DaySpend;
import dev.llmwatcher.budget.Lease;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.LedgerUnavailableException;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.LedgerDocuments;
import dev.llmwatcher.store.LedgerExchange;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpType;
import org.opensearch.client.opensearch.core.GetResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The token budget's ledger in an OpenSearch index of ours ({@link LedgerDocuments}), each exchange a get and a write
 * conditional on the version read ({@link LedgerExchange}, shared with no client), so concurrent drainers are never
 * granted more than the budget between them. The index is created with the shipped mappings on first use.
 */
public final class OpenSearchTokenLedger implements TokenLedger {

    private static final Logger LOG = LoggerFactory.getLogger(OpenSearchTokenLedger.class);

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final String index;
    private final AtomicBoolean indexChecked = new AtomicBoolean();

    public OpenSearchTokenLedger(OpenSearchClient client, OpenSearchFailures failures, String index) {
        this.client = client;
        this.failures = failures;
        this.index = index;
    }

    public String index() {
        return index;
    }

    @Override
    public Lease exchange(LeaseRequest request) {
        ensureIndex();
        return LedgerExchange.exchange(new Records(), index, request);
    }

    @Override
    public List<DaySpend> day(LocalDate day, Instant now) {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
        } catch (IOException | RuntimeException e) {
            throw unavailable("read the token budgets of " + day, e);
        }
        RawRequests.Answer answer;
        try {
            answer = new RawRequests(client, failures).send("POST", "/" + index + "/_search", Map.of("size",
                    LedgerDocuments.MAX_MODELS, "seq_no_primary_term", true, "query", QueueQueries.term("day",
                            day.toString())), "read the token budgets of " + day, 404);
        } catch (RuntimeException e) {
            throw new LedgerUnavailableException(e.getMessage(), e);
        }
        List<DaySpend> spends = new ArrayList<>();
        for (QueuedDocument hit : Pit.Hits.of(answer.json()).documents()) {
            if (hit.source().get("model") instanceof String model) {
                spends.add(LedgerDocuments.day(hit.source(), model, day).spendAt(now));
            }
        }
        return spends;
    }

    /** The ledger's records over this client. */
    private final class Records implements LedgerExchange.Records {

        @Override
        @SuppressWarnings("rawtypes")
        public Optional<LedgerExchange.Stored> read(String id) {
            try {
                GetResponse<Map> current = client.get(g -> g.index(index).id(id), Map.class);
                if (!current.found() || current.source() == null || current.seqNo() == null
                        || current.primaryTerm() == null) {
                    return Optional.empty();
                }
                return Optional.of(new LedgerExchange.Stored(current.source(), current.seqNo(),
                        current.primaryTerm()));
            } catch (IOException | RuntimeException e) {
                if (OpenSearchFailures.isIndexNotFound(e)) {
                    return Optional.empty();
                }
                throw failure("read the token budget " + id, e);
            }
        }

        @Override
        public boolean write(String id, Map<String, Object> source, Optional<LedgerExchange.Stored> read) {
            try {
                if (read.isPresent()) {
                    client.index(i -> i.index(index).id(id).ifSeqNo(read.get().seqNo())
                            .ifPrimaryTerm(read.get().primaryTerm()).document(source));
                } else {
                    client.index(i -> i.index(index).id(id).opType(OpType.Create).document(source));
                }
                return true;
            } catch (IOException | RuntimeException e) {
                if (OpenSearchFailures.status(e) == 409) {
                    return false;
                }
                throw failure("write the token budget " + id, e);
            }
        }

        @Override
        public LedgerUnavailableException unavailable(String action, Exception cause) {
            return OpenSearchTokenLedger.this.unavailable(action, cause);
        }
    }

    private RuntimeException failure(String action, Exception e) {
        int status = OpenSearchFailures.status(e);
        return status == 429 || status == 503 ? new LedgerExchange.Busy(action, e) : unavailable(action, e);
    }

    private LedgerUnavailableException unavailable(String action, Exception e) {
        return new LedgerUnavailableException(failures.unavailable(action + " in " + index, e).getMessage(), e);
    }

    /** Creates the index with the shipped mappings unless it exists, once per ledger; a race with another is fine. */
    private void ensureIndex() {
        if (indexChecked.get()) {
            return;
        }
        try {
            if (!client.indices().exists(e -> e.index(index)).value()) {
                Map<String, Object> template = template(shipped());
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("settings", template.get("settings"));
                body.put("mappings", template.get("mappings"));
                RawRequests.Answer answer = new RawRequests(client, failures).send("PUT", "/" + index, body,
                        "create " + index, 400, 403);
                if (answer.status() == 403) {
                    LOG.warn("Could not create the token budget index {} with its mappings (install them with the "
                            + "setup command): HTTP 403", index);
                }
            }
            indexChecked.set(true);
        } catch (IOException | RuntimeException e) {
            throw unavailable("check the token budget index", e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> template(Map<String, Object> body) {
        return (Map<String, Object>) body.get("template");
    }

    static Map<String, Object> shipped() {
        try (var in = OpenSearchTokenLedger.class.getResourceAsStream(LedgerDocuments.RESOURCE)) {
            return JsonCodec.readObject(Objects.requireNonNull(in, LedgerDocuments.RESOURCE).readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
