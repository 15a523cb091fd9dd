package dev.rollgate.activities.backup;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * SigV4 for an S3 client that sends a body which carries its own checksum without signing that body
 * again, also over plain HTTP.
 *
 * <p>Over HTTPS the SDK already sends such a body as {@code UNSIGNED-PAYLOAD}. Over plain HTTP (a
 * local S3 such as the dev stack's S3Proxy, MinIO on a private network) aws-sdk-java-v2 always
 * signs the payload, whatever {@link AwsV4HttpSigner#PAYLOAD_SIGNING_ENABLED} says (aws-sdk-java-v2
 * issue 5103): a SHA-256 of every 128 KiB chunk, chained HMACs, and a server that checks each
 * chunk's signature, a second SHA-256 of each byte on each side beside the one a backup computes
 * for the whole object (issue 19's profile: 40 % of the streaming path's CPU). A part already
 * carries an {@code x-amz-checksum-crc32c} header that S3 verifies and refuses the part on a
 * mismatch, so signing its bytes buys no integrity on top of it.
 *
 * <p>For a request with a body and a checksum header ({@code x-amz-checksum-crc32c} and its kin)
 * sent over plain HTTP, this signer signs as the SDK signs the same request over HTTPS (headers,
 * URI and query signed, the body {@code UNSIGNED-PAYLOAD}), then sends it over HTTP as before.
 * Every other request (no body, no checksum header, HTTPS, or a plain-HTTP endpoint on port 443) is
 * signed by the SDK's signer unchanged. What it gives up, on plain HTTP only: the signature no
 * longer covers the body, so someone able to rewrite traffic could replace a part with bytes and a
 * CRC32C of their own; the same person can read every byte of a plain-HTTP backup anyway. Backups
 * record the whole object's SHA-256, which restores check.
 */
public final class CheckedPartsSigning implements HttpSigner<AwsCredentialsIdentity> {
  private final AwsV4HttpSigner sdk = AwsV4HttpSigner.create();

  private CheckedPartsSigning() {}

  /** Installs this signing on {@code builder} in place of the SDK's own SigV4 scheme. */
  public static S3ClientBuilder install(S3ClientBuilder builder) {
    return builder.putAuthScheme(authScheme());
  }

  /** The SigV4 auth scheme ({@code aws.auth#sigv4}) with this signer. */
  public static AuthScheme<AwsCredentialsIdentity> authScheme() {
    AwsV4AuthScheme sdkScheme = AwsV4AuthScheme.create();
    HttpSigner<AwsCredentialsIdentity> signer = new CheckedPartsSigning();
    return new AuthScheme<>() {
      @Override
      public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
      }

      @Override
      public IdentityProvider<AwsCredentialsIdentity> identityProvider(
          IdentityProviders providers) {
        return sdkScheme.identityProvider(providers);
      }

      @Override
      public HttpSigner<AwsCredentialsIdentity> signer() {
        return signer;
      }
    };
  }

  @Override
  public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
    SdkHttpRequest http = request.request();
    if (!request.payload().isPresent() || !carriesItsChecksum(http)) {
      return sdk.sign(request);
    }
    SignedRequest signed = sdk.sign(request.copy(b -> b.request(asHttps(http))));
    return signed.copy(b -> b.request(backToHttp(signed.request(), http)));
  }

  @Override
  public CompletableFuture<AsyncSignedRequest> signAsync(
      AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
    SdkHttpRequest http = request.request();
    if (!request.payload().isPresent() || !carriesItsChecksum(http)) {
      return sdk.signAsync(request);
    }
    return sdk.signAsync(request.copy(b -> b.request(asHttps(http))))
        .thenApply(signed -> signed.copy(b -> b.request(backToHttp(signed.request(), http))));
  }

  /**
   * Plain HTTP, a body that S3 checks against a checksum header, and a port whose Host header reads
   * the same under HTTPS (the signature covers the Host header: 80 maps to 443, both implicit).
   */
  static boolean carriesItsChecksum(SdkHttpRequest http) {
    if (!"http".equals(http.protocol()) || http.port() == 443) {
      return false;
    }
    if (http.method() != SdkHttpMethod.PUT && http.method() != SdkHttpMethod.POST) {
      return false;
    }
    return http.headers().keySet().stream()
        .anyMatch(h -> CHECKSUM_VALUES.contains(h.toLowerCase(java.util.Locale.ROOT)));
  }

  /** The headers that carry a checksum of the body (not x-amz-checksum-algorithm or -type). */
  private static final java.util.Set<String> CHECKSUM_VALUES =
      java.util.Set.of(
          "x-amz-checksum-crc32",
          "x-amz-checksum-crc32c",
          "x-amz-checksum-crc64nvme",
          "x-amz-checksum-sha1",
          "x-amz-checksum-sha256");

  private static SdkHttpRequest asHttps(SdkHttpRequest http) {
    return http.toBuilder().protocol("https").port(http.port() == 80 ? 443 : http.port()).build();
  }

  private static SdkHttpRequest backToHttp(SdkHttpRequest signed, SdkHttpRequest http) {
    return signed.toBuilder().protocol(http.protocol()).port(http.port()).build();
  }
}
