package dev.llmwatcher.cli;

import dev.llmwatcher.engine.StopSignal;
import sun.misc.Signal;

/**
 * Turns SIGTERM (systemd stop, docker stop) and SIGINT (Ctrl-C) into a graceful stop: the engine stops taking
 * documents and writes back what finished, and the process exits 0 instead of the JVM's default 143/130. A second
 * signal while stopping exits at once; documents then still in flight stay claimed until their lease ends.
 */
final class StopSignals {

    private StopSignals() {
    }

    static StopSignal onTermination() {
        StopSignal stop = new StopSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (stop.isRaised()) {
                    Runtime.getRuntime().halt(128 + signal.getNumber());
                }
                System.err.println("llm-watcher: SIG" + signal.getName()
                        + " received, finishing in-flight documents (send again to exit at once)");
                stop.raise();
            });
        }
        return stop;
    }
}
