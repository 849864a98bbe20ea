package dev.llmwatcher.demo;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.elasticsearch.ClusterAdmin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A throwaway single-node cluster from an integ-test-zip (Elasticsearch's or OpenSearch's) on free local ports:
 * for the {@code demo} command, and for the test suite's clusters. Security is off, unless an Elasticsearch
 * cluster is started with a {@link Superuser} (a file-realm user) to exercise authentication; such a cluster speaks
 * plain HTTP, or HTTPS ({@link Http#TLS}) with a certificate from a private CA made at start
 * ({@link LocalCertificates}). Unzipped once under the work directory and reused; data lives in a fresh directory
 * per start. Both refuse to run as root, so as root the cluster runs as the unprivileged system user {@value #USER},
 * created on first need.
 */
public final class LocalCluster implements AutoCloseable {

    static final String USER = "llmwatcher-es";
    private static final String SECURED_SETTINGS = """
            xpack.security.enabled: true
            xpack.security.transport.ssl.enabled: false
            """;

    /** What a secured cluster's HTTP layer speaks. */
    public enum Http {
        PLAIN, TLS
    }

    /** Which distribution a zip holds: its start script, config file and environment variable prefix. */
    public enum Flavor {
        ELASTICSEARCH("elasticsearch", "ES", "xpack.security.enabled: false\n"),
        OPENSEARCH("opensearch", "OPENSEARCH", "");

        private final String name;
        private final String envPrefix;
        private final String extraSettings;

        Flavor(String name, String envPrefix, String extraSettings) {
            this.name = name;
            this.envPrefix = envPrefix;
            this.extraSettings = extraSettings;
        }
    }

    /** The one user of a secured Elasticsearch cluster, with the {@code superuser} role. */
    public record Superuser(String username, String password) {

        @Override
        public String toString() {
            return "Superuser[" + username + "]";
        }

        public String basicAuthorization() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private final URI url;
    private final Process process;
    private final Path consoleLog;
    private final Optional<Superuser> superuser;
    private final Optional<LocalCertificates> certificates;

    private LocalCluster(URI url, Process process, Path consoleLog, Optional<Superuser> superuser,
                         Optional<LocalCertificates> certificates) {
        this.url = url;
        this.process = process;
        this.consoleLog = consoleLog;
        this.superuser = superuser;
        this.certificates = certificates;
    }

    /** {@code http://127.0.0.1:port}, or {@code https://} with {@link Http#TLS}. */
    public URI url() {
        return url;
    }

    /** The private CA (and the server's keystore) of a cluster started with {@link Http#TLS}. */
    public Optional<LocalCertificates> certificates() {
        return certificates;
    }

    /** CPU time used so far by the cluster's processes (the launcher and the JVM it starts), as the OS counts it. */
    public Duration cpuTime() {
        Duration total = Duration.ZERO;
        for (ProcessHandle handle : Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList()) {
            total = total.plus(handle.info().totalCpuDuration().orElse(Duration.ZERO));
        }
        return total;
    }

    /** Starts the cluster and returns once it answers a health check (yellow), or throws with its log's end. */
    public static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout) {
        return start(flavor, zip, work, name, timeout, Optional.empty());
    }

    /** The same, with security on and {@code superuser} as its only user (Elasticsearch only), over plain HTTP. */
    public static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout,
                                     Optional<Superuser> superuser) {
        return start(flavor, zip, work, name, timeout, superuser, Http.PLAIN);
    }

    /**
     * The same, over HTTPS with {@link Http#TLS} (which needs a superuser: Elasticsearch serves TLS only with
     * security on). The CA is new at every start; see {@link #certificates()}.
     */
    public static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout,
                                     Optional<Superuser> superuser, Http http) {
        if (flavor != Flavor.ELASTICSEARCH) {
            throw new IllegalArgumentException(flavor + " needs a readiness probe of its own: elasticsearch-java "
                    + "does not talk to it");
        }
        return start(flavor, zip, work, name, timeout, superuser, http, LocalCluster::elasticsearchProbe);
    }

    /** A cluster without security whose readiness {@code probes} tell (made once the cluster's URL is known). */
    public static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout,
                                     Function<LocalCluster, ReadinessProbe> probes) {
        return start(flavor, zip, work, name, timeout, Path.of(System.getProperty("java.home")), probes);
    }

    /**
     * The same on the JDK at {@code javaHome} instead of this JVM's: for a distribution that needs an older Java
     * (OpenSearch 2.x turns on the Security Manager, which JDK 24 and later refuse).
     */
    public static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout, Path javaHome,
                                     Function<LocalCluster, ReadinessProbe> probes) {
        return start(flavor, zip, work, name, timeout, Optional.empty(), Http.PLAIN, javaHome, probes);
    }

    private static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout,
                                      Optional<Superuser> superuser, Http http,
                                      Function<LocalCluster, ReadinessProbe> probes) {
        return start(flavor, zip, work, name, timeout, superuser, http, Path.of(System.getProperty("java.home")),
                probes);
    }

    private static LocalCluster start(Flavor flavor, Path zip, Path work, String name, Duration timeout,
                                      Optional<Superuser> superuser, Http http, Path javaHome,
                                      Function<LocalCluster, ReadinessProbe> probes) {
        if (superuser.isPresent() && flavor != Flavor.ELASTICSEARCH) {
            throw new IllegalArgumentException("a superuser needs an Elasticsearch cluster, not " + flavor);
        }
        if (http == Http.TLS && superuser.isEmpty()) {
            throw new IllegalArgumentException("HTTPS needs security on: start the cluster with a superuser");
        }
        try {
            Path home = unzipOnce(zip, work.resolve("dist"));
            Path instance = work.resolve("instances").resolve(name);
            deleteRecursively(instance);
            Path config = instance.resolve("config");
            copyRecursively(home.resolve("config"), config);
            for (String dir : List.of("data", "logs", "tmp")) {
                Files.createDirectories(instance.resolve(dir));
            }
            int httpPort = freePort();
            Optional<LocalCertificates> certificates = http == Http.TLS
                    ? Optional.of(LocalCertificates.create(instance.resolve("ca"),
                            config.resolve("certs").resolve("http.p12")))
                    : Optional.empty();
            Files.writeString(config.resolve(flavor.name + ".yml"),
                    settings(flavor, name, instance, httpPort, superuser.isPresent(), certificates));
            anchorJvmPaths(config.resolve("jvm.options"), instance);
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root) {
                ensureUser();
                run(List.of("chown", "-R", USER + ":" + USER, instance.toString()));
            }
            String prefix = flavor.envPrefix;
            Map<String, String> environment = Map.of(prefix + "_JAVA_HOME", javaHome.toString(),
                    prefix + "_PATH_CONF", config.toString(), prefix + "_JAVA_OPTS", "-Xms512m -Xmx512m",
                    prefix + "_TMPDIR", instance.resolve("tmp").toString(), "HOME", instance.toString());
            if (superuser.isPresent()) {
                run(asUser(root, List.of(home.resolve("bin").resolve("elasticsearch-users").toString(), "useradd",
                        superuser.get().username(), "-p", superuser.get().password(), "-r", "superuser")),
                        environment, "elasticsearch-users useradd " + superuser.get().username());
            }
            Path consoleLog = instance.resolve("console.log");
            List<String> command = asUser(root, List.of(home.resolve("bin").resolve(flavor.name).toString()));
            ProcessBuilder builder = new ProcessBuilder(command).directory(instance.toFile())
                    .redirectErrorStream(true).redirectOutput(consoleLog.toFile());
            builder.environment().putAll(environment);
            String scheme = certificates.isPresent() ? "https" : "http";
            LocalCluster cluster = new LocalCluster(URI.create(scheme + "://127.0.0.1:" + httpPort),
                    builder.start(), consoleLog, superuser, certificates);
            cluster.awaitReady(name, timeout, probes);
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the local cluster " + name, e);
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /**
     * Asks a starting cluster whether it serves requests yet. Elasticsearch's is its cluster health through the
     * watcher's own client ({@link ClusterAdmin#notYetYellow}); elasticsearch-java refuses to talk to OpenSearch, so
     * whoever starts one brings a probe of their own.
     */
    public interface ReadinessProbe extends AutoCloseable {

        /** Empty when the cluster is ready; else what it answered, for the message if it never gets ready. */
        Optional<String> notReady();

        @Override
        default void close() {
        }
    }

    /** The probe of an Elasticsearch cluster: its health through elasticsearch-java, as the superuser over TLS. */
    private ReadinessProbe elasticsearchProbe() {
        ElasticsearchSettings settings = new ElasticsearchSettings(List.of(url),
                superuser.map(Superuser::username), superuser.map(Superuser::password), Optional.empty(),
                certificates.map(LocalCertificates::caPem), Optional.empty(), Duration.ofSeconds(10));
        ClusterAdmin admin = ClusterAdmin.open(settings);
        return new ReadinessProbe() {
            @Override
            public Optional<String> notReady() {
                return admin.notYetYellow();
            }

            @Override
            public void close() {
                admin.close();
            }
        };
    }

    private void awaitReady(String name, Duration timeout, Function<LocalCluster, ReadinessProbe> probes) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer yet";
        try (ReadinessProbe probe = probes.apply(this)) {
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("local cluster " + name + " exited with " + process.exitValue()
                            + " during start-up; end of " + consoleLog + ":\n" + tail());
                }
                Optional<String> notReady = probe.notReady();
                if (notReady.isEmpty()) {
                    return;
                }
                last = notReady.get();
                try {
                    process.waitFor(250, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("interrupted while waiting for the local cluster", e);
                }
            }
        }
        close();
        throw new IllegalStateException("local cluster " + name + " not ready at " + url + " within " + timeout
                + " (last: " + last + "); end of " + consoleLog + ":\n" + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(consoleLog);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + consoleLog + ": " + e.getMessage() + ")";
        }
    }

    private static String settings(Flavor flavor, String name, Path instance, int httpPort, boolean secured,
                                   Optional<LocalCertificates> certificates) throws IOException {
        return """
                cluster.name: llmwatcher-%s
                node.name: %s
                network.host: 127.0.0.1
                http.port: %d
                transport.port: %d
                discovery.type: single-node
                path.data: %s
                path.logs: %s
                cluster.routing.allocation.disk.threshold_enabled: false
                """.formatted(name, name, httpPort, freePort(), instance.resolve("data"), instance.resolve("logs"))
                + (secured ? SECURED_SETTINGS + httpSslSettings(certificates) : flavor.extraSettings);
    }

    /**
     * The keystore password as a plain setting: 9.5 still accepts it (its deprecation log says it goes in a future
     * major). Should a later version refuse it, it belongs in the Elasticsearch keystore instead, as
     * {@code xpack.security.http.ssl.keystore.secure_password} through {@code bin/elasticsearch-keystore}.
     */
    private static String httpSslSettings(Optional<LocalCertificates> certificates) {
        if (certificates.isEmpty()) {
            return "xpack.security.http.ssl.enabled: false\n";
        }
        return """
                xpack.security.http.ssl.enabled: true
                xpack.security.http.ssl.keystore.path: %s
                xpack.security.http.ssl.keystore.password: %s
                """.formatted(certificates.get().serverKeystore(), certificates.get().password());
    }

    /** The JVM options name {@code logs/} and {@code data} relative to the home, which may not be ours to write. */
    private static void anchorJvmPaths(Path jvmOptions, Path instance) throws IOException {
        if (!Files.isRegularFile(jvmOptions)) {
            return;
        }
        String options = Files.readString(jvmOptions)
                .replace("=logs/", "=" + instance.resolve("logs") + "/")
                .replace("file=logs/", "file=" + instance.resolve("logs") + "/")
                .replace("HeapDumpPath=data", "HeapDumpPath=" + instance.resolve("data"));
        Files.writeString(jvmOptions, options);
    }

    private static List<String> asUser(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static synchronized void ensureUser() {
        if (status(List.of("id", "-u", USER)) == 0) {
            return;
        }
        int created = status(List.of("useradd", "--system", "--no-create-home", "--user-group", "--shell",
                "/usr/sbin/nologin", USER));
        if (created != 0 && status(List.of("id", "-u", USER)) != 0) {
            throw new IllegalStateException("could not create the user " + USER + " to run the local cluster as "
                    + "(it refuses to run as root); useradd exited with " + created);
        }
    }

    private static void run(List<String> command) {
        run(command, Map.of(), String.join(" ", command));
    }

    /** Runs {@code command}; {@code description} names it in the error (a command line may hold a password). */
    private static void run(List<String> command, Map<String, String> environment, String description) {
        int status = status(command, environment);
        if (status != 0) {
            throw new IllegalStateException(description + " exited with " + status);
        }
    }

    private static int status(List<String> command) {
        return status(command, Map.of());
    }

    private static int status(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getInputStream().readAllBytes();
            return process.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.getFirst(), e);
        }
    }

    private static Path unzipOnce(Path zip, Path dist) throws IOException {
        String top = topDirectory(zip);
        Path home = dist.resolve(top);
        if (Files.isRegularFile(home.resolve(".unzipped"))) {
            return home;
        }
        Path staging = dist.resolve(top + ".partial-" + ProcessHandle.current().pid());
        deleteRecursively(staging);
        Files.createDirectories(staging);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = staging.resolve(entry.getName()).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("zip entry outside the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (Stream<Path> bin = Files.list(staging.resolve(top).resolve("bin"))) {
            bin.forEach(p -> p.toFile().setExecutable(true, false));
        }
        Files.writeString(staging.resolve(top).resolve(".unzipped"), zip.toString(), StandardCharsets.UTF_8);
        deleteRecursively(home);
        Files.move(staging.resolve(top), home, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(staging);
        if ("root".equals(System.getProperty("user.name"))) {
            ensureUser();
            run(List.of("chmod", "-R", "o+rX", dist.toString()));
        }
        return home;
    }

    private static String topDirectory(Path zip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry first = in.getNextEntry();
            if (first == null) {
                throw new IOException(zip + " is empty");
            }
            return first.getName().split("/")[0];
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
