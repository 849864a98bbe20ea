package dev.llmwatcher.demo;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A private CA and a server certificate for {@code 127.0.0.1}/{@code localhost} signed by it, made with the JDK's
 * {@code keytool} (no extra library), for a local cluster that serves HTTPS.
 *
 * @param caPem          the CA certificate, PEM, as a client is given it
 * @param caFingerprint  SHA-256 of the CA certificate, lower-case hex without colons (as Elasticsearch prints it)
 * @param serverKeystore PKCS12 with the server's key and its chain (server certificate, then the CA)
 * @param password       of {@code serverKeystore} and its key
 */
public record LocalCertificates(Path caPem, String caFingerprint, Path serverKeystore, String password) {

    /** Subject of every CA made here: a second CA made here has the same name but another key. */
    public static final String CA_NAME = "CN=llm-watcher local CA";
    private static final String VALIDITY_DAYS = "30";

    @Override
    public String toString() {
        return "LocalCertificates[caPem=" + caPem + ", caFingerprint=" + caFingerprint + ", serverKeystore="
                + serverKeystore + "]";
    }

    /** Names a local server answers to: the subject alternative names of its certificate. */
    public static final String LOCAL_NAMES = "ip:127.0.0.1,dns:localhost";

    /**
     * Makes a new CA in {@code caDir} ({@code ca.p12} with its key, {@code ca.pem}) and the server's keystore
     * {@code serverKeystore} with a certificate for {@link #LOCAL_NAMES}, signed by it.
     */
    public static LocalCertificates create(Path caDir, Path serverKeystore) {
        return create(caDir, serverKeystore, LOCAL_NAMES);
    }

    /** The same, with a server certificate for other names ({@code keytool}'s syntax: {@code dns:a,ip:b}). */
    public static LocalCertificates create(Path caDir, Path serverKeystore, String serverNames) {
        try {
            Files.createDirectories(caDir);
            Files.createDirectories(serverKeystore.getParent());
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            Path caStore = caDir.resolve("ca.p12");
            Path caPem = caDir.resolve("ca.pem");
            Path request = caDir.resolve("server.csr");
            Path chain = caDir.resolve("server-chain.pem");
            keytool(password, "-genkeypair", "-alias", "ca", "-dname", CA_NAME, "-ext", "bc:c",
                    "-keystore", caStore.toString());
            keytool(password, "-exportcert", "-alias", "ca", "-rfc", "-keystore", caStore.toString(),
                    "-file", caPem.toString());
            keytool(password, "-genkeypair", "-alias", "http", "-dname", "CN=localhost",
                    "-keystore", serverKeystore.toString());
            keytool(password, "-certreq", "-alias", "http", "-keystore", serverKeystore.toString(),
                    "-file", request.toString());
            keytool(password, "-gencert", "-alias", "ca", "-keystore", caStore.toString(), "-rfc",
                    "-ext", "san=" + serverNames, "-ext", "eku=serverAuth",
                    "-infile", request.toString(), "-outfile", chain.toString());
            Files.writeString(chain, Files.readString(chain) + Files.readString(caPem));
            keytool(password, "-importcert", "-alias", "http", "-noprompt", "-keystore", serverKeystore.toString(),
                    "-file", chain.toString());
            return new LocalCertificates(caPem, fingerprint(caPem), serverKeystore, password);
        } catch (IOException e) {
            throw new UncheckedIOException("could not make the local certificates in " + caDir, e);
        }
    }

    /**
     * A throwaway self-signed certificate for {@link #LOCAL_NAMES} in {@code dir}: it is its own CA ({@link #caPem}
     * is the certificate itself). Two {@code keytool} runs instead of {@link #create}'s six, for a server that only
     * has to complete a TLS handshake.
     */
    public static LocalCertificates selfSigned(Path dir) {
        try {
            Files.createDirectories(dir);
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            Path keystore = dir.resolve("self-signed.p12");
            Path pem = dir.resolve("self-signed.pem");
            keytool(password, "-genkeypair", "-alias", "http", "-dname", "CN=localhost", "-ext", "san=" + LOCAL_NAMES,
                    "-ext", "eku=serverAuth", "-keystore", keystore.toString());
            keytool(password, "-exportcert", "-alias", "http", "-rfc", "-keystore", keystore.toString(),
                    "-file", pem.toString());
            return new LocalCertificates(pem, fingerprint(pem), keystore, password);
        } catch (IOException e) {
            throw new UncheckedIOException("could not make a self-signed certificate in " + dir, e);
        }
    }

    /** Whether this JDK has the {@code keytool} these certificates are made with (a trimmed runtime may not). */
    public static boolean canMakeCertificates() {
        return Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "keytool"));
    }

    /** TLS for the server: its key and certificate chain from {@link #serverKeystore}. */
    public SSLContext serverTls() {
        try (InputStream in = Files.newInputStream(serverKeystore)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, password.toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + serverKeystore, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use " + serverKeystore + ": " + e.getMessage(), e);
        }
    }

    /** TLS that trusts this CA only: what a client given {@link #caPem} does. */
    public SSLContext trustingCa() {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + caPem, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caPem + ": " + e.getMessage(), e);
        }
    }

    private static String fingerprint(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the certificate " + pem + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the JDK's keytool on a PKCS12 store with EC keys; the password goes through the environment. Its JVM
     * skips the optimizing compiler, which saves a fifth of each short run (six per {@link #create}).
     */
    private static void keytool(String password, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(arguments));
        if (List.of(arguments).contains("-genkeypair")) {
            command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", VALIDITY_DAYS));
        }
        if (List.of(arguments).contains("-gencert")) {
            command.addAll(List.of("-validity", VALIDITY_DAYS));
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass:env", "KEYTOOL_PASSWORD"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("KEYTOOL_PASSWORD", password);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool " + arguments[0], e);
        }
    }
}
