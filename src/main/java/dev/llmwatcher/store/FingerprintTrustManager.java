package dev.llmwatcher.store;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Trusts a server whose chain is anchored by the certificate with a given SHA-256 fingerprint: that certificate
 * must be among those the server sends, and the chain must then check out with it as the only trusted CA
 * (signatures, validity and host name, as with a CA certificate file). Finding it in the chain is not enough: a
 * CA certificate is public, and anyone can send it along with a certificate of their own.
 *
 * <p>Kept instead of elasticsearch-java's {@code TransportUtils.sslContextFromCaFingerprint}: that one only compares
 * the last certificate the server sends with the fingerprint and checks no signature, so a server that shows the
 * cluster's CA next to a certificate it made itself is trusted ({@code TlsConnectionTest} shows it). Both engines'
 * adapters use it for {@code ELASTICSEARCH_CA_FINGERPRINT}: the check is the JDK's, no client library decides it.
 */
public final class FingerprintTrustManager extends X509ExtendedTrustManager {

    private final String wanted;

    /** @param wanted lower-case hex, no colons */
    private FingerprintTrustManager(String wanted) {
        this.wanted = wanted;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        anchoredBy(chain).checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        anchoredBy(chain).checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        anchoredBy(chain).checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }

    /** The JDK's usual checks with the certificate that has the wanted fingerprint as the only trusted CA. */
    private X509ExtendedTrustManager anchoredBy(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate certificate : chain) {
            if (wanted.equals(sha256(certificate))) {
                return trusting(certificate);
            }
        }
        throw new CertificateException("no certificate the server sent has the configured SHA-256 fingerprint");
    }

    /** The JDK's PKIX trust manager with {@code ca} as the only trust anchor. */
    private static X509ExtendedTrustManager trusting(X509Certificate ca) throws CertificateException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new CertificateException("this JDK has no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new CertificateException("this JDK cannot set up trust in a CA: " + e.getMessage(), e);
        }
    }

    /** A trust manager for servers anchored by the CA with this SHA-256 fingerprint (hex, colons allowed). */
    public static FingerprintTrustManager of(String fingerprint) {
        return new FingerprintTrustManager(fingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT));
    }

    /** A TLS context trusting servers anchored by the CA with this SHA-256 fingerprint (hex, colons allowed). */
    public static SSLContext context(String fingerprint) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {of(fingerprint)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static String sha256(X509Certificate certificate) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-256 is missing from this JDK", e);
        }
    }
}
