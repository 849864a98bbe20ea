package dev.llmwatcher.app;

/** Names this process in claims, so an operator can tell which watcher holds a document. */
public final class InstanceName {

    private InstanceName() {
    }

    public static String of(String kind) {
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        return kind + "@" + host + ":" + ProcessHandle.current().pid();
    }
}
