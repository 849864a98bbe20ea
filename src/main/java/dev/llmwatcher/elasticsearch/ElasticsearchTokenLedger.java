package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.OpType;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import dev.llmwatcher.budget.DaySpend;
import dev.llmwatcher.budget.Lease;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.LedgerDay;
import dev.llmwatcher.budget.LedgerUnavailableException;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.store.LedgerDocuments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The token budget's ledger in an Elasticsearch index of ours: one document per model and UTC day, {@code _id}
 * {@code DAY/MODEL}, holding the tokens spent, the budget the last chunk was asked under, the smallest call refused,
 * and every live lease ({@code holder}, {@code tokens}, {@code until}; kept in {@code _source}, not indexed).
 *
 * <p>An exchange is a real-time get, {@link LedgerDay#exchange} applied to what it read, and a write of the whole
 * document conditional on the {@code _seq_no}/{@code _primary_term} read (or, for a day nobody wrote yet, a create
 * that fails if someone else created it first). A write another drainer beat is a 409: read again and apply again,
 * after a short random pause. No script: the same on a cluster without painless. The index is created with the
 * shipped mappings ({@code llm-watcher/token-budget-index-template.json}) on first use; {@code setup} installs them
 * as an index template too.
 */
public final class ElasticsearchTokenLedger implements TokenLedger {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchTokenLedger.class);

    public static final String DEFAULT_INDEX = "llm-watcher-token-budget";
    static final String RESOURCE = "/llm-watcher/token-budget-index-template.json";
    /** Exchanges lost to other drainers' writes (or to a busy cluster) before giving up; a try is two requests. */
    static final int MAX_TRIES = 50;
    /** Most models one day's read returns. */
    private static final int MAX_MODELS = 1000;

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final String index;
    private final AtomicBoolean indexChecked = new AtomicBoolean();

    public ElasticsearchTokenLedger(ElasticsearchClient client, ElasticsearchFailures failures, String index) {
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
        String id = id(request.model(), request.day());
        for (int attempt = 1; ; attempt++) {
            try {
                GetResponse<Map> current = read(id);
                LedgerDay day = current != null && current.found() && current.source() != null
                        ? day(current.source(), request.model(), request.day()) : LedgerDay.empty(request.model(),
                        request.day());
                LedgerDay.Exchanged exchanged = day.exchange(request);
                if (write(id, exchanged.next(), current, request.now())) {
                    return exchanged.lease();
                }
                if (attempt == MAX_TRIES) {
                    throw new LedgerUnavailableException("Elasticsearch's token budget ledger " + index + " kept "
                            + "changing under " + MAX_TRIES + " tries to update " + id + " (too many drainers at "
                            + "once)", null);
                }
            } catch (Busy busy) {
                if (attempt == MAX_TRIES) {
                    throw unavailable(busy.action, busy.cause);
                }
            }
            pause(attempt);
        }
    }

    /**
     * Elasticsearch answered 429 or 503: shedding load, or the ledger's shard is not started yet (an index another
     * drainer created a moment ago). Tried again, like a conflict.
     */
    private static final class Busy extends RuntimeException {

        private final String action;
        private final Exception cause;

        Busy(String action, Exception cause) {
            super(action, cause, false, false);
            this.action = action;
            this.cause = cause;
        }
    }

    /** What a failed read or write of the ledger means: a busy cluster, tried again, or an unavailable one. */
    private RuntimeException failure(String action, Exception e) {
        int status = ElasticsearchFailures.status(e);
        return status == 429 || status == 503 ? new Busy(action, e) : unavailable(action, e);
    }

    @Override
    public List<DaySpend> day(LocalDate day, Instant now) {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
            SearchResponse<Map> response = client.search(s -> s.index(index).size(MAX_MODELS)
                    .query(q -> q.term(t -> t.field("day").value(day.toString()))), Map.class);
            List<DaySpend> spends = new ArrayList<>();
            for (Hit<Map> hit : response.hits().hits()) {
                if (hit.source() != null && hit.source().get("model") instanceof String model) {
                    spends.add(day(hit.source(), model, day).spendAt(now));
                }
            }
            return spends;
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw unavailable("read the token budgets of " + day, e);
        }
    }

    /** The stored day; null when the index does not exist (it could not be created with its mappings). */
    private GetResponse<Map> read(String id) {
        try {
            return client.get(g -> g.index(index).id(id), Map.class);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return null;
            }
            throw failure("read the token budget " + id, e);
        }
    }

    /**
     * Writes the day conditionally on the version read (a create when there was none); false when another drainer
     * wrote first.
     */
    private boolean write(String id, LedgerDay day, GetResponse<Map> read, Instant now) {
        Map<String, Object> source = source(day, now);
        try {
            if (read != null && read.found()) {
                client.index(i -> i.index(index).id(id).ifSeqNo(read.seqNo()).ifPrimaryTerm(read.primaryTerm())
                        .document(source));
            } else {
                client.index(i -> i.index(index).id(id).opType(OpType.Create).document(source));
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.status(e) == 409) {
                return false;
            }
            throw failure("write the token budget " + id, e);
        }
    }

    private static void pause(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, Math.min(100, 5L * attempt) + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while updating the token budget", e);
        }
    }

    /** {@code DAY/MODEL}, or {@code DAY/sha256:HEX} for a model name too long for an id ({@link LedgerDocuments}). */
    static String id(String model, LocalDate day) {
        return LedgerDocuments.id(model, day);
    }

    private static Map<String, Object> source(LedgerDay day, Instant now) {
        return LedgerDocuments.source(day, now);
    }

    /** A stored day; leases it cannot read are left out (they would end anyway), numbers it cannot read are 0. */
    private static LedgerDay day(Map<?, ?> source, String model, LocalDate day) {
        return LedgerDocuments.day(source, model, day);
    }

    private LedgerUnavailableException unavailable(String action, Exception e) {
        return new LedgerUnavailableException(failures.unavailable(action + " in " + index, e).getMessage(), e);
    }

    /**
     * Creates the index with the shipped mappings unless it exists, once per ledger; a drainer creating it at the
     * same moment is fine. If that fails (no {@code create_index} privilege) the ledger still works, on whatever index
     * the first write makes.
     */
    void ensureIndex() {
        if (indexChecked.get()) {
            return;
        }
        try {
            if (!client.indices().exists(e -> e.index(index)).value()) {
                Map<String, Object> template = template(shipped());
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("settings", template.get("settings"));
                body.put("mappings", template.get("mappings"));
                client.indices().create(c -> c.index(index).withJson(new StringReader(JsonCodec.writeString(body))));
            }
            indexChecked.set(true);
        } catch (ElasticsearchException e) {
            if (e.error() != null && "resource_already_exists_exception".equals(e.error().type())) {
                indexChecked.set(true);
            } else {
                LOG.warn("Could not create the token budget index {} with its mappings (install them with the setup "
                        + "command): {}", index, failures.unavailable("create " + index, e).getMessage());
                indexChecked.set(true);
            }
        } catch (IOException | RuntimeException e) {
            throw unavailable("check the token budget index", e);
        }
    }

    /** The index template that gives {@code index} the ledger's mappings: {@value #DEFAULT_INDEX}[-index]. */
    public static String templateName(String index) {
        return IndexTemplates.ledgerName(index);
    }

    /** Installs the index template for this ledger's index unless an identical one is there. */
    public QueueTemplateInstaller.Result installTemplate() {
        IndexTemplates.Template template = IndexTemplates.tokenLedger(index);
        String name = template.name();
        Optional<String> installed = new QueueTemplateInstaller(client, failures).installedHash(name);
        if (installed.filter(template.hash()::equals).isPresent()) {
            return QueueTemplateInstaller.Result.UNCHANGED;
        }
        Map<String, Object> body = template.body();
        try {
            client.indices().putIndexTemplate(t -> t.name(name).withJson(new StringReader(
                    JsonCodec.writeString(body))));
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("install the index template " + name, e);
        }
        return installed.isPresent() ? QueueTemplateInstaller.Result.UPDATED : QueueTemplateInstaller.Result.CREATED;
    }

    private static Map<String, Object> template(Map<String, Object> body) {
        return template(body, "template");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> template(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    static Map<String, Object> shipped() {
        try {
            return JsonCodec.readObject(InstalledContent.resource(RESOURCE).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
