import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

/**
 * The test bed's SASL/OAUTHBEARER server callback handler: checks an MSK IAM token the way MSK does in the
 * parts a client can get wrong. The token is the base64url encoding of a SigV4-presigned URL
 * (https://github.com/aws/aws-msk-iam-sasl-signer-js):
 * https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256
 * &X-Amz-Credential=<key id>/<yyyymmdd>/<region>/kafka-cluster/aws4_request&X-Amz-Date=...&X-Amz-Expires=...
 * &X-Amz-SignedHeaders=host&X-Amz-Signature=...[&X-Amz-Security-Token=...]&User-Agent=...
 * Checked: base64url, host (the Region the broker is in), Action, algorithm, credential scope and access key,
 * expiry (X-Amz-Date + X-Amz-Expires, and a date in the future beyond the allowed clock skew), and the SigV4
 * signature recomputed with the test credentials
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). A refused token gets an
 * RFC 7628 error status naming the reason. JAAS options: accessKeyId, secretAccessKey, region.
 */
public class MskIamTokenValidator implements AuthenticateCallbackHandler {
  private static final String SERVICE = "kafka-cluster";
  private static final long MAX_SKEW_MS = 5 * 60 * 1000L;
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private String accessKeyId;
  private String secretAccessKey;
  private String region;

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
    Map<String, ?> options = jaas.get(0).getOptions();
    accessKeyId = (String) options.get("accessKeyId");
    secretAccessKey = (String) options.get("secretAccessKey");
    region = (String) options.get("region");
    if (accessKeyId == null || secretAccessKey == null || region == null) {
      throw new IllegalArgumentException("JAAS options accessKeyId, secretAccessKey and region are required");
    }
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (callback instanceof OAuthBearerValidatorCallback) {
        OAuthBearerValidatorCallback validation = (OAuthBearerValidatorCallback) callback;
        try {
          validation.token(validate(validation.tokenValue(), System.currentTimeMillis()));
        } catch (Refused refused) {
          validation.error("invalid_token: " + refused.getMessage(), null, null);
        }
      } else if (callback instanceof OAuthBearerExtensionsValidatorCallback) {
        OAuthBearerExtensionsValidatorCallback extensions = (OAuthBearerExtensionsValidatorCallback) callback;
        extensions.inputExtensions().map().keySet().forEach(extensions::valid);
      } else {
        throw new UnsupportedCallbackException(callback);
      }
    }
  }

  @Override
  public void close() {}

  /** Why a token is refused (the message becomes the error status). */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  OAuthBearerToken validate(String tokenValue, long nowMs) throws Refused {
    URI url = decodeUrl(tokenValue);
    String expectedHost = "kafka." + region + ".amazonaws.com";
    if (!expectedHost.equals(url.getHost())) {
      throw new Refused("token signed for host " + url.getHost() + ", this cluster is " + expectedHost
          + " (wrong Region?)");
    }
    Map<String, String> query = parseQuery(url.getRawQuery());
    require(query, "Action", "kafka-cluster:Connect");
    require(query, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    require(query, "X-Amz-SignedHeaders", "host");
    String[] scope = param(query, "X-Amz-Credential").split("/");
    if (scope.length != 5 || !scope[2].equals(region) || !scope[3].equals(SERVICE)
        || !scope[4].equals("aws4_request")) {
      throw new Refused("credential scope " + param(query, "X-Amz-Credential") + " is not for " + SERVICE
          + " in " + region);
    }
    if (!scope[0].equals(accessKeyId)) throw new Refused("unknown access key " + scope[0]);
    String amzDate = param(query, "X-Amz-Date");
    long signedAt = parseDate(amzDate);
    long expiresAt = signedAt + 1000L * parseSeconds(param(query, "X-Amz-Expires"));
    if (!amzDate.startsWith(scope[1])) throw new Refused("X-Amz-Date does not match the credential scope");
    if (signedAt - nowMs > MAX_SKEW_MS) throw new Refused("token signed in the future (clock skew)");
    if (expiresAt <= nowMs) throw new Refused("token expired at " + Instant.ofEpochMilli(expiresAt));
    String expected = signature(url.getHost(), query, amzDate, String.join("/", scope[1], scope[2], scope[3],
        scope[4]), scope[1]);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
        param(query, "X-Amz-Signature").getBytes(StandardCharsets.UTF_8))) {
      throw new Refused("signature does not match (wrong secret access key?)");
    }
    return token(tokenValue, accessKeyId, signedAt, expiresAt);
  }

  private static URI decodeUrl(String tokenValue) throws Refused {
    try {
      String url = new String(Base64.getUrlDecoder().decode(tokenValue), StandardCharsets.UTF_8);
      URI uri = new URI(url);
      if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() == null) {
        throw new Refused("token is not a presigned https URL");
      }
      return uri;
    } catch (IllegalArgumentException | java.net.URISyntaxException e) {
      throw new Refused("token is not a base64url-encoded URL");
    }
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new TreeMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }

  private static String param(Map<String, String> query, String name) throws Refused {
    String value = query.get(name);
    if (value == null || value.isEmpty()) throw new Refused("token has no " + name);
    return value;
  }

  private static void require(Map<String, String> query, String name, String expected) throws Refused {
    String value = param(query, name);
    if (!expected.equals(value)) throw new Refused(name + " is " + value + ", expected " + expected);
  }

  private static long parseDate(String amzDate) throws Refused {
    try {
      return Instant.from(AMZ_DATE.parse(amzDate)).toEpochMilli();
    } catch (RuntimeException e) {
      throw new Refused("X-Amz-Date " + amzDate + " is not yyyyMMddTHHmmssZ");
    }
  }

  private static long parseSeconds(String seconds) throws Refused {
    try {
      long value = Long.parseLong(seconds);
      if (value <= 0 || value > 604800) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw new Refused("X-Amz-Expires " + seconds + " is not 1 to 604800 seconds");
    }
  }

  /** SigV4 of the presigned GET: every query parameter but the signature and the unsigned User-Agent. */
  private String signature(String host, Map<String, String> query, String amzDate, String scope, String day)
      throws Refused {
    StringBuilder canonicalQuery = new StringBuilder();
    for (Map.Entry<String, String> e : query.entrySet()) { // TreeMap: sorted by name
      if (e.getKey().equals("X-Amz-Signature") || e.getKey().equals("User-Agent")) continue;
      if (canonicalQuery.length() > 0) canonicalQuery.append('&');
      canonicalQuery.append(uriEncode(e.getKey())).append('=').append(uriEncode(e.getValue()));
    }
    String canonicalRequest = String.join("\n", "GET", "/", canonicalQuery, "host:" + host, "", "host",
        hex(sha256(new byte[0])));
    String stringToSign = String.join("\n", "AWS4-HMAC-SHA256", amzDate, scope,
        hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8))));
    byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), day);
    key = hmac(key, region);
    key = hmac(key, SERVICE);
    key = hmac(key, "aws4_request");
    return hex(hmac(key, stringToSign));
  }

  private static String uriEncode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == '~') {
        out.append(c);
      } else {
        out.append(String.format("%%%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static byte[] sha256(byte[] data) throws Refused {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new Refused("SHA-256 unavailable");
    }
  }

  private static byte[] hmac(byte[] key, String data) throws Refused {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new Refused("HmacSHA256 unavailable");
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) out.append(String.format("%02x", b & 0xff));
    return out.toString();
  }

  private static OAuthBearerToken token(String value, String principal, long startMs, long expiresAtMs) {
    return new OAuthBearerToken() {
      @Override
      public String value() {
        return value;
      }

      @Override
      public Set<String> scope() {
        return Collections.emptySet();
      }

      @Override
      public long lifetimeMs() {
        return expiresAtMs;
      }

      @Override
      public String principalName() {
        return principal;
      }

      @Override
      public Long startTimeMs() {
        return startMs;
      }
    };
  }
}
