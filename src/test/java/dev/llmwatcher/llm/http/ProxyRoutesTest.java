package dev.llmwatcher.llm.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyRoutesTest {

    private static final Optional<URI> HTTP_PROXY = Optional.of(URI.create("http://plain.corp:8080"));
    private static final Optional<URI> HTTPS_PROXY = Optional.of(URI.create("http://tunnel.corp:3128"));

    /** Stands for the JDK's selector: answers with a marker proxy, so a test sees that it was asked. */
    private static final ProxySelector FALLBACK = new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
            return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("fallback", 1)));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        }
    };

    private static String route(ProxySelector routes, String url) {
        Proxy proxy = routes.select(URI.create(url)).getFirst();
        return proxy.type() == Proxy.Type.DIRECT ? "direct" : proxy.address().toString();
    }

    @Test
    void eachSchemeGoesThroughItsOwnProxy() {
        var routes = new ProxyRoutes(HTTP_PROXY, HTTPS_PROXY, List.of(), FALLBACK);

        assertThat(route(routes, "http://ollama:11434/api/generate")).isEqualTo("plain.corp/<unresolved>:8080");
        assertThat(route(routes, "https://api.openai.com/v1/chat/completions"))
                .isEqualTo("tunnel.corp/<unresolved>:3128");
    }

    @Test
    void aSchemeWithoutAConfiguredProxyIsLeftToTheJdksSelector() {
        var routes = new ProxyRoutes(HTTP_PROXY, Optional.empty(), List.of(), FALLBACK);

        assertThat(route(routes, "https://api.openai.com/v1")).isEqualTo("fallback/<unresolved>:1");
        assertThat(route(new ProxyRoutes(Optional.empty(), Optional.empty(), List.of(), HttpClient.Builder.NO_PROXY),
                "https://api.openai.com/v1")).isEqualTo("direct");
    }

    @Test
    void noProxyHostsAreReachedDirectly() {
        var routes = new ProxyRoutes(HTTP_PROXY, HTTPS_PROXY,
                List.of("localhost", ".internal.corp", "*.lab.corp", "ollama:11434", "[::1]", "openai.azure.com"),
                FALLBACK);

        assertThat(route(routes, "http://localhost:11434")).isEqualTo("direct");
        assertThat(route(routes, "http://gpu.internal.corp")).isEqualTo("direct");
        assertThat(route(routes, "http://internal.corp")).isEqualTo("direct");
        assertThat(route(routes, "http://a.lab.corp")).isEqualTo("direct");
        assertThat(route(routes, "http://ollama:11434")).isEqualTo("direct");
        assertThat(route(routes, "http://[::1]:11434")).isEqualTo("direct");
        assertThat(route(routes, "https://east.openai.azure.com/v1")).as("subdomains of a listed host")
                .isEqualTo("direct");
        assertThat(route(routes, "http://ollama:8080")).as("another port").isEqualTo("plain.corp/<unresolved>:8080");
        assertThat(route(routes, "http://notinternal.corp")).isEqualTo("plain.corp/<unresolved>:8080");
        assertThat(route(routes, "https://api.openai.com/v1")).isEqualTo("tunnel.corp/<unresolved>:3128");
    }

    @Test
    void anAsteriskSendsEverythingDirect() {
        var routes = new ProxyRoutes(HTTP_PROXY, HTTPS_PROXY, List.of("*"), FALLBACK);

        assertThat(route(routes, "https://api.openai.com/v1")).isEqualTo("direct");
    }
}
