package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * A method that a path of the API does not answer is 405 with an {@code Allow} header naming those
 * it does (RFC 9110 section 15.5.6); a path no route serves stays 404. Both are problem+json.
 */
class ApiMethodsIT {

  @RegisterExtension static final SharedServer SHARED = new SharedServer(false);

  @ParameterizedTest
  @CsvSource({
    "POST, /api/v1/hits",
    "DELETE, /api/v1/whois/1.2.3.4",
    "PUT, /api/v1/namespaces/simpson/sources",
    "PATCH, /api/v1/probes/p-1",
    "POST, /healthz",
    "DELETE, /"
  })
  void aMethodThePathDoesNotAnswerIs405AllowingGet(String method, String path) throws Exception {
    HttpResponse<String> r = SHARED.api().send(method, path);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(405);
    // the API's routes answer HEAD as GET; the web page's files GET only
    assertThat(r.headers().allValues("allow"))
        .containsExactly(path.equals("/") ? "GET" : "GET, HEAD");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
    JsonNode problem = ApiClient.parse(r.body());
    assertThat(problem.get("status").asInt()).isEqualTo(405);
    assertThat(problem.get("detail").asString()).startsWith(method + " " + path).contains("GET");
  }

  @ParameterizedTest
  @CsvSource({"GET, /api/v1/nothing-here", "POST, /api/v1/nothing-here", "DELETE, /api/v1/whois"})
  void aPathNoRouteServesIs404WhateverTheMethod(String method, String path) throws Exception {
    HttpResponse<String> r = SHARED.api().send(method, path);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(r.headers().firstValue("allow")).isEmpty();
    assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
  }
}
