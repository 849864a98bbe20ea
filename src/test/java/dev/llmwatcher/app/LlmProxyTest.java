package dev.llmwatcher.app;

import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.ForwardingProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy variables of the configuration, as the watcher builds its LLM clients from it. */
class LlmProxyTest {

    private final FakeOllamaServer ollama = new FakeOllamaServer();
    private final ForwardingProxy proxy = new ForwardingProxy();

    @AfterEach
    void stop() {
        ollama.close();
        proxy.close();
    }

    private static LlmRequest request() {
        return new LlmRequest("llama3.3", "Rate: I love it!", null, Map.of(), Duration.ofSeconds(5));
    }

    private LlmClients clientsWith(Map<String, String> proxyVariables) {
        Map<String, String> environment = new HashMap<>(proxyVariables);
        environment.put("ELASTICSEARCH_URL", "http://127.0.0.1:9200");
        environment.put("OLLAMA_API_URL", ollama.baseUrl().toString());
        return Watcher.llmClients(ConfigReader.read(environment).llm());
    }

    @Test
    void anLlmCallReachesTheProviderThroughTheHttpProxyVariable() throws Exception {
        ollama.respond(Reply.text("through the proxy"));

        LlmAnswer answer;
        try (LlmClients clients = clientsWith(Map.of("HTTP_PROXY", proxy.url().toString()))) {
            answer = clients.forProvider("ollama").complete(request());
        }

        assertThat(answer.text()).isEqualTo("through the proxy");
        assertThat(proxy.requests()).containsExactly("POST " + ollama.origin() + "/api/generate");
        assertThat(ollama.calls()).isEqualTo(1);
    }

    @Test
    void aHostListedInNoProxyIsCalledDirectly() throws Exception {
        ollama.respond(Reply.text("direct"));

        try (LlmClients clients = clientsWith(Map.of("http_proxy", proxy.url().toString(),
                "no_proxy", "localhost,127.0.0.1"))) {
            clients.forProvider("ollama").complete(request());
        }

        assertThat(proxy.requests()).isEmpty();
        assertThat(ollama.calls()).isEqualTo(1);
    }
}
