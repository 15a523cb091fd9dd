package dev.rollgate.activities.aws;

import dev.rollgate.activities.secrets.Redacted;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * Where the AWS API is and who Rollgate is there, for the deployment clients (ELBv2, ECS).
 *
 * @param endpoint the API endpoint, or null for AWS itself (e.g. {@code http://127.0.0.1:5000} for
 *     a local moto server)
 * @param region the region, e.g. {@code us-east-1}
 * @param credentials who Rollgate is there: {@link
 *     dev.rollgate.activities.secrets.SecretCredentials} in the worker (static configuration or
 *     OpenBao/Vault), static keys in tests
 */
public record AwsClients(URI endpoint, String region, AwsCredentialsProvider credentials) {

  /**
   * Static keys.
   *
   * @param accessKey a static access key, or null/blank for the SDK's default credentials chain
   * @param secretKey its secret
   */
  public AwsClients(URI endpoint, String region, String accessKey, String secretKey) {
    this(
        endpoint,
        region,
        accessKey == null || accessKey.isBlank()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
  }

  /** Never the keys: settings end up in logs. */
  @Override
  public String toString() {
    return "AwsClients[endpoint="
        + Redacted.url(endpoint)
        + ", region="
        + region
        + ", credentials="
        + (credentials instanceof StaticCredentialsProvider
            ? "static keys"
            : credentials.getClass().getSimpleName())
        + "]";
  }

  public ElasticLoadBalancingV2Client elasticLoadBalancing() {
    return configure(ElasticLoadBalancingV2Client.builder()).build();
  }

  public EcsClient ecs() {
    return configure(EcsClient.builder()).build();
  }

  /** Any AWS client's builder, set to this endpoint, region and credentials (tests add more). */
  public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
    builder
        .region(Region.of(region == null || region.isBlank() ? "us-east-1" : region))
        .credentialsProvider(credentials)
        .httpClientBuilder(UrlConnectionHttpClient.builder());
    if (endpoint != null && !endpoint.toString().isBlank()) {
      builder.endpointOverride(endpoint);
    }
    return builder;
  }
}
