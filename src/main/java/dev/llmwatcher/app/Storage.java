package dev.llmwatcher.app;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.opensearch.OpenSearchAnswerCache;
import dev.llmwatcher.opensearch.OpenSearchBatchRefusals;
import dev.llmwatcher.opensearch.OpenSearchInspection;
import dev.llmwatcher.opensearch.OpenSearchRelease;
import dev.llmwatcher.opensearch.OpenSearchSetup;
import dev.llmwatcher.opensearch.OpenSearchClients;
import dev.llmwatcher.opensearch.OpenSearchQueueAge;
import dev.llmwatcher.opensearch.OpenSearchQueueStore;
import dev.llmwatcher.opensearch.OpenSearchTokenLedger;
import dev.llmwatcher.opensearch.OpenSearchFailures;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueRelease;
import dev.llmwatcher.queue.QueueTemplate;
import dev.llmwatcher.queue.QueueStore;

import java.util.Optional;
import java.util.function.Function;

/**
 * The storage ports of one cluster, from the adapter of the engine that serves it ({@link OpenSearchClients#engineOf}:
 * the override, or the cluster's answer, asked once at start-up): the queue store with its batch bookkeeping and
 * answer cache, the token ledger and the batch refusals (both in the token budget's index named), and, on
 * Elasticsearch, the cluster's administration. Adding a port method means implementing it in both adapters; this
 * class only chooses.
 *
 * @param admin empty on OpenSearch: the demo's administration is Elasticsearch's only
 * @param backfill the backfill port ({@code enqueue --from}) of the same adapter as the queue
 * @param queueAge the oldest eligible document's age, for the Lambda metric
 * @param inspection what is in the queue ({@code status})
 * @param release putting stuck documents back ({@code release})
 * @param cacheMaintenance the answer cache in an index, from the operator's side ({@code status}, {@code cache})
 * @param queueTemplate the queue index's template, installed by the first pass over a queue
 */
record Storage(SearchEngine engine, QueueStore queue, BatchQueue batches, AnswerCache answers,
               Function<String, TokenLedger> ledgers, Function<String, BatchRefusals> refusals,
               Optional<ClusterAdmin> admin, AutoCloseable closer, BackfillStore backfill,
               OldestQueued queueAge, QueueInspection inspection, QueueRelease release,
               Function<String, CacheMaintenance> cacheMaintenance, QueueTemplate queueTemplate) {

    static Storage connect(ElasticsearchSettings settings, Optional<String> answerCacheIndex) {
        SearchEngine engine = OpenSearchClients.engineOf(settings);
        if (engine == SearchEngine.OPENSEARCH) {
            OpenSearchQueueStore store = OpenSearchQueueStore.connect(settings, answerCacheIndex);
            OpenSearchFailures failures = new OpenSearchFailures(settings);
            Function<String, OpenSearchTokenLedger> ledgers = index -> new OpenSearchTokenLedger(store.client(),
                    failures, index);
            return new Storage(engine, store, store, store, ledgers::apply,
                    index -> new OpenSearchBatchRefusals(store.client(), failures, ledgers.apply(index)),
                    Optional.empty(), store, store.backfill(), new OpenSearchQueueAge(store.client(), failures),
                    new OpenSearchInspection(store.client(), failures), new OpenSearchRelease(store.client(), failures),
                    index -> new OpenSearchAnswerCache(store.client(), failures, index),
                    OpenSearchSetup.over(store.client(), failures));
        }
        ElasticsearchQueueStore store = ElasticsearchQueueStore.connect(settings, answerCacheIndex);
        ClusterAdmin admin = store.admin();
        return new Storage(SearchEngine.ELASTICSEARCH, store, store, store, admin::tokenLedger, admin::batchRefusals,
                Optional.of(admin),
                () -> {
                    try {
                        store.close();
                    } finally {
                        admin.close();
                    }
                }, store, admin.queueAge(), admin.inspector(), admin.releaser(), admin::answerCache,
                admin.queueTemplate());
    }
}
