package dev.llmwatcher.engine;

import dev.llmwatcher.budget.BudgetUse;
import dev.llmwatcher.budget.TokenBudget;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmProviders;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where spending is stopped, for a whole process: the daily {@link TokenBudget} of each model, and the budgets of
 * gateways in front of the providers. Every provider's client is {@linkplain #meter metered}: a call reserves its
 * estimate before it goes out and settles after; a call the budget cannot cover, or a provider whose gateway said
 * its budget is spent earlier in the pass, fails with {@link LlmException.Kind#BUDGET_EXHAUSTED} without a request,
 * and its document is released untouched (no error, no attempt). The pass asks {@link #admits} before it claims a
 * document, so documents that would only wait are not claimed at all.
 *
 * <p>A gateway's refusal lasts for the pass: the next pass calls that provider again, as the gateway's budget may
 * have been raised or renewed since.
 */
public final class SpendGate {

    private static final Logger LOG = LoggerFactory.getLogger(SpendGate.class);

    private final TokenBudget budget;
    /** Providers whose gateway refused for a spent budget in this pass, with what it said. */
    private final Map<String, String> refusingGateways = new ConcurrentHashMap<>();

    public SpendGate(TokenBudget budget) {
        this.budget = budget;
    }

    /** No daily budget; gateways' refusals are still honoured, once a client is metered. */
    public static SpendGate unlimited() {
        return new SpendGate(TokenBudget.UNLIMITED);
    }

    public TokenBudget budget() {
        return budget;
    }

    /** Every client of {@code providers} behind this gate. */
    public LlmProviders meter(LlmProviders providers) {
        return new MeteredProviders(providers, this);
    }

    /** {@code client} (the one of {@code provider}) behind this gate. */
    public LlmClient meter(String provider, LlmClient client) {
        return new MeteredLlmClient(key(provider), client, this);
    }

    /** A pass starts: gateways are called again, and the models whose budget is spent now are returned. */
    Set<String> startPass() {
        refusingGateways.clear();
        return budget.startPass();
    }

    /** The pass ends: unused shares are given back; each model's budget as the pass left it. */
    List<BudgetUse> endPass() {
        return budget.endPass();
    }

    /** False for a document that would only wait: its model's budget, or its provider's gateway's, is spent. */
    boolean admits(QueuedDocument document) {
        Map<String, Object> meta = document.meta();
        Object provider = meta.getOrDefault(QueueFields.PROVIDER, InstructionsReader.DEFAULT_PROVIDER);
        if (provider instanceof String name && refusingGateways.containsKey(key(name))) {
            return false;
        }
        Object model = meta.getOrDefault(QueueFields.MODEL, InstructionsReader.DEFAULT_MODEL);
        return !(model instanceof String name) || budget.admits(name);
    }

    /** Throws when {@code provider}'s gateway refused for a spent budget earlier in this pass. */
    void checkGateway(String provider) throws LlmException {
        String refusal = refusingGateways.get(provider);
        if (refusal != null) {
            throw new LlmException(LlmException.Kind.BUDGET_EXHAUSTED, "not called: earlier in this pass, " + refusal);
        }
    }

    /** {@code provider}'s gateway answered that a budget is spent: said once, and not called again in this pass. */
    void gatewayRefused(String provider, LlmException refusal) {
        if (refusingGateways.putIfAbsent(provider, refusal.getMessage()) == null) {
            LOG.warn("A budget is spent at the gateway: {}. The {} documents wait in the queue (no error, no attempt "
                    + "counted), and this pass calls it no more", refusal.getMessage(), provider);
        }
    }

    /**
     * The request's own cap on its completion ({@code max_tokens} and the like), for an estimate made outside a
     * metered call (a batch submission's).
     */
    public static OptionalLong completionCap(LlmRequest request) {
        return MeteredLlmClient.completionCap(request);
    }

    private static String key(String provider) {
        return provider.strip().toLowerCase(Locale.ROOT);
    }
}
