package dev.shopstream.functions.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.Settings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final Set<String> GET = Set.of("GET");

  @Test
  void wildcardOriginAllowsAnyOriginWithoutEchoingIt() {
    AccessPolicy policy = new AccessPolicy(null, List.of("*"));
    FakeExchange fromShop = FakeExchange.request("GET", "/").header("Origin", "https://shop.example");
    FakeExchange noOrigin = FakeExchange.request("GET", "/");

    JsonReply reply = policy.withCorsHeaders(fromShop.request, JsonReply.error(400, "x", "y"));

    assertThat(reply.headers()).containsEntry("Access-Control-Allow-Origin", "*");
    assertThat(policy.withCorsHeaders(noOrigin.request, reply).headers()).isEqualTo(reply.headers());
    assertThat(policy.screen(FakeExchange.request("OPTIONS", "/").header("Origin", "https://x.example").request, GET)
        .orElseThrow().status()).isEqualTo(204);
  }

  @Test
  void keyMustMatchExactly() {
    AccessPolicy policy = new AccessPolicy("abc", List.of());

    assertThat(policy.screen(FakeExchange.request("GET", "/").header("X-Api-Key", "abc").request, GET)).isEmpty();
    for (String wrong : new String[] {"ab", "abcd", "ABC", ""}) {
      assertThat(policy.screen(FakeExchange.request("GET", "/").header("X-Api-Key", wrong).request, GET)
          .orElseThrow().status()).isEqualTo(401);
    }
  }

  @Test
  void fromSettingsReadsApiKeyAndOrigins() {
    AccessPolicy policy = AccessPolicy.from(new Settings(Map.of(
        "API_KEY", "k", "CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")::get));

    assertThat(policy.screen(FakeExchange.request("GET", "/").request, GET).orElseThrow().status()).isEqualTo(401);
    assertThat(policy.withCorsHeaders(FakeExchange.request("GET", "/").header("Origin", "https://b.example").request,
        JsonReply.error(401, "x", "y")).headers()).containsEntry("Access-Control-Allow-Origin", "https://b.example");
    assertThat(AccessPolicy.from(new Settings(Map.<String, String>of()::get))
        .screen(FakeExchange.request("GET", "/").request, GET)).isEmpty();
  }

  @Test
  void unexpectedFailureIsAJson500() throws Exception {
    JsonHttpFunction failing = new JsonHttpFunction(AccessPolicy.open(), List.of("GET")) {
      @Override
      protected JsonReply handle(HttpRequest request) {
        throw new IllegalStateException("bug");
      }

      @Override
      protected String describe(JsonReply reply) {
        return "";
      }
    };

    FakeExchange x = FakeExchange.request("GET", "/").serve(failing);

    assertThat(x.status()).isEqualTo(500);
    assertThat(x.contentType()).startsWith("application/json");
    assertThat(x.json().get("error").asText()).isEqualTo("internal_error");
    assertThat(x.text()).doesNotContain("bug");
  }
}
