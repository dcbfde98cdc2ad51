using System.Net;
using System.Text;

namespace LlmCompiler.Tests.Infrastructure;

[TestClass]
public sealed class LoopbackLlmServerTests
{
    [TestMethod]
    public async Task Serves_script_in_order_on_both_paths_then_the_fallback_and_records_bodies()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion("first"), ScriptedResponse.Error(503, "busy", retryAfterSeconds: 7));
        using var http = new HttpClient();
        var root = server.BaseUrl.GetLeftPart(UriPartial.Authority);

        var first = await http.PostAsync(root + "/v1/chat/completions", Body("{\"model\":\"m1\",\"messages\":[]}"));
        var second = await http.PostAsync(root + "/chat/completions", Body("{\"model\":\"m2\"}"));
        var third = await http.PostAsync(root + "/v1/chat/completions", Body("{}"));
        var wrong = await http.PostAsync(root + "/v1/embeddings", Body("{}"));

        Assert.AreEqual("127.0.0.1", server.BaseUrl.Host);
        Assert.AreEqual("/v1", server.BaseUrl.AbsolutePath);
        Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);
        StringAssert.Contains(await first.Content.ReadAsStringAsync(), "\"content\":\"first\"");
        StringAssert.Contains(await first.Content.ReadAsStringAsync(), "\"model\":\"m1\"");
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.AreEqual("7", second.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(HttpStatusCode.InternalServerError, third.StatusCode, "an exhausted script is loud");
        Assert.AreEqual(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.AreEqual(4, server.RequestCount);
        Assert.AreEqual("m2", (string?)server.Requests[1].Json!["model"]);
        Assert.AreEqual("/chat/completions", server.Requests[1].Path);
    }

    [TestMethod]
    public async Task Responder_routes_by_request_content_and_falls_back_to_the_queue()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => r.MessageContents.Any(c => c.Contains("WO-02", StringComparison.Ordinal)) ? ScriptedResponse.Completion("for WO-02") : null;
        server.Enqueue(ScriptedResponse.Completion("from the queue"));
        using var http = new HttpClient();
        var url = server.BaseUrl + "/chat/completions";

        var routed = await http.PostAsync(url, Body("{\"messages\":[{\"role\":\"user\",\"content\":\"Build WO-02\"}]}"));
        var queued = await http.PostAsync(url, Body("{\"messages\":[{\"role\":\"user\",\"content\":\"Plan\"}]}"));

        StringAssert.Contains(await routed.Content.ReadAsStringAsync(), "for WO-02");
        StringAssert.Contains(await queued.Content.ReadAsStringAsync(), "from the queue");
    }

    [TestMethod]
    public async Task Stall_is_released_when_the_server_stops()
    {
        var server = await LoopbackLlmServer.StartAsync();
        server.Fallback = ScriptedResponse.Stall();
        using var http = new HttpClient();
        var pending = http.PostAsync(server.BaseUrl + "/chat/completions", Body("{}"));
        while (server.RequestCount == 0)
        {
            await Task.Delay(10);
        }

        Assert.IsFalse(pending.IsCompleted);
        await server.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => pending);
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}
