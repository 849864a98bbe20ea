package dev.llmwatcher.testing;

import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.budget.TokenLedgerContract;

/** The fake ledger the engine tests use keeps the port's contract. */
class InMemoryTokenLedgerTest extends TokenLedgerContract {

    private final InMemoryTokenLedger ledger = new InMemoryTokenLedger();

    @Override
    protected TokenLedger ledger() {
        return ledger;
    }

    @Override
    protected TokenLedger anotherProcess() {
        return ledger;
    }
}
