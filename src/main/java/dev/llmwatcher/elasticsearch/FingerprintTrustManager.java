package dev.llmwatcher.elasticsearch;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * Trusts a server whose chain is anchored by the certificate with a given SHA-256 fingerprint: that certificate
 * must be among those the server sends, and the chain must then check out with it as the only trusted CA
 * (signatures, validity and host name, as with a CA certificate file). Finding it in the chain is not enough: a
 * CA certificate is public, and anyone can send it along with a certificate of their own.
 */
final class FingerprintTrustManager extends X509ExtendedTrustManager {

    private final String wanted;

    /** @param wanted lower-case hex, no colons */
    FingerprintTrustManager(String wanted) {
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
                return TrustedCa.trusting(List.of(certificate));
            }
        }
        throw new CertificateException("no certificate the server sent has the configured SHA-256 fingerprint");
    }

    private static String sha256(X509Certificate certificate) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-256 is missing from this JDK", e);
        }
    }
}
