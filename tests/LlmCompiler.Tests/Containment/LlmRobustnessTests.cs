using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Tests.Factory;
using static LlmCompiler.Tests.Containment.ContainmentHarness;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// A hostile or broken model endpoint (negative usage, a key in its URL, no answer at all, an endless body) ends each
/// run with the right diagnostic, bounded in time and memory, and leaks nothing.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LlmRobustnessTests
{
    private const string Empty = FileWrite.EmptySha256;
    private const string QuerySecret = "sk-QUERYSECRET123456";

    public TestContext TestContext { get; set; } = null!;

    // Finding: negative usage from the server was charged as negative tokens (and a negative cost) in the ledger.
    [TestMethod]
    public async Task Negative_usage_counts_from_the_server_are_clamped_to_zero_in_the_ledger_and_the_summary()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")), promptTokens: -5, completionTokens: -7);
        var key = NewKey(out _);
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(1, server.RequestCount);
        var ledger = File.ReadAllLines(repo.PathOf(".llmc/ledger.jsonl"));
        Assert.HasCount(1, ledger);
        var line = JsonNode.Parse(ledger[0])!;
        Assert.AreEqual(0, line["input_tokens"]!.GetValue<int>(), ledger[0]);
        Assert.AreEqual(0, line["output_tokens"]!.GetValue<int>(), ledger[0]);
        Assert.IsGreaterThanOrEqualTo(0m, line["cost_usd"]!.GetValue<decimal>(), ledger[0]);
        var llm = LlmCompiler.Factory.Records.RunSummary.Read(Directory.GetFiles(FactoryRuns(repo), "run_summary.json", SearchOption.AllDirectories).Single()).Llm!;
        Assert.IsGreaterThanOrEqualTo(0L, llm.InputTokens, llm.ToString());
        Assert.IsGreaterThanOrEqualTo(0L, llm.OutputTokens, llm.ToString());
        Assert.IsGreaterThanOrEqualTo(0m, llm.CostUsd, llm.ToString());
    }

    // Finding: a key put in the endpoint's query string (?api-key=…) reached messages, artifacts or request bodies.
    [TestMethod]
    [DataRow("http-500", "E301")]
    [DataRow("http-500-whose-message-echoes-the-url", "E301")]
    [DataRow("non-chat-body", "E303")]
    public async Task A_secret_in_the_endpoint_query_string_never_leaks(string answer, string code)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => answer switch
        {
            "http-500" => ScriptedResponse.Error(500, "internal failure"),
            "http-500-whose-message-echoes-the-url" => ScriptedResponse.Error(500, $"upstream rejected POST /v1/chat/completions?api-key={QuerySecret}"),
            _ => ScriptedResponse.RawBody("<html><body>not a chat completion</body></html>"),
        };
        var key = NewKey(out _);
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var endpoint = server.BaseUrl.ToString().TrimEnd('/') + "?api-key=" + QuerySecret;
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", "--repo", repo.Root, "--endpoint", endpoint, "--api-key-env", key, "--model", "loopback", wo, "--max-attempts", "1"]);

        Assert.AreEqual(1, exit, stdout + stderr);
        Assert.IsGreaterThanOrEqualTo(1, server.RequestCount, "the endpoint was never called");
        StringAssert.Contains(stderr, code);
        AssertNoStackTrace(stdout + stderr, answer);
        Assert.DoesNotContain(QuerySecret, stdout, "stdout leaks the query-string secret");
        Assert.DoesNotContain(QuerySecret, stderr, "stderr leaks the query-string secret");
        foreach (var (file, text) in ToolFiles(repo)) Assert.DoesNotContain(QuerySecret, text, $"{file} leaks the query-string secret");
        foreach (var request in server.Requests) Assert.DoesNotContain(QuerySecret, request.Body, $"request {request.Number}'s body leaks the query-string secret");
        Assert.AreEqual(before, repo.CheckoutHash());
    }

    // Finding: an endpoint that accepts and never answers held the run for the 10-minute default; the call deadline must end it.
    [TestMethod]
    public async Task A_hanging_endpoint_ends_with_E308_at_the_call_deadline()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Stall();
        var key = NewKey(out _);
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var head = repo.Head;
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1", "--call-deadline-seconds", "2")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E308");
        AssertNoStackTrace(stdout + stderr, "hanging endpoint");
        Assert.IsGreaterThanOrEqualTo(1, server.RequestCount);
        var ledger = File.ReadAllLines(repo.PathOf(".llmc/ledger.jsonl"));
        Assert.HasCount(1, ledger);
        Assert.AreEqual("E308", JsonNode.Parse(ledger[0])!["outcome"]!.GetValue<string>(), ledger[0]);
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash());
    }

    // Finding: a 1 GiB response was buffered whole (gigabytes of memory, then OutOfMemoryException) before the 10 MiB check.
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task A_1_GiB_response_body_gives_E307_and_the_client_hangs_up_early(bool announceLength)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = EndlessBodyServer.Start(1L << 30, announceLength);
        var key = NewKey(out _);
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var head = repo.Head;
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", wo, "--max-attempts", "1"]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E307");
        AssertNoStackTrace(stdout + stderr, "1 GiB body");
        Assert.IsGreaterThanOrEqualTo(1, server.RequestCount);
        IReadOnlyList<(long Sent, BodyOutcome Outcome)> bodies;
        try
        {
            bodies = await server.AllFinishedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"30 s after llmc returned the server is still sending ({server.BytesSent:N0} bytes so far): the client neither read on nor hung up");
            return;
        }
        const long limit = 100L * 1024 * 1024;
        foreach (var (sent, outcome) in bodies)
        {
            TestContext.WriteLine($"request answered with {sent:N0} bytes before: {outcome}");
            Assert.AreEqual(BodyOutcome.ClientHungUp, outcome, $"after {sent:N0} bytes");
            Assert.IsLessThan(limit, sent, $"the server sent {sent:N0} bytes before the client hung up");
        }
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash());
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));
    }

    private enum BodyOutcome { ClientHungUp, SentEverything, Stopped }

    /// <summary>
    /// A bare HTTP/1.1 server on 127.0.0.1 that answers every request with a 200 chat-completion-looking body of the
    /// given size, streamed from one reused 1 MiB buffer (nothing of that size is ever allocated), chunked or with a
    /// Content-Length. Raw sockets rather than Kestrel: Kestrel completes writes to a closed connection silently, so
    /// only a socket tells exactly how much was sent before the client hung up.
    /// </summary>
    private sealed class EndlessBodyServer : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly long _total;
        private readonly bool _announceLength;
        private readonly List<Task<(long, BodyOutcome)>> _served = [];
        private Task _accepting = Task.CompletedTask;
        private long _sent;

        private EndlessBodyServer(long total, bool announceLength)
        {
            _total = total;
            _announceLength = announceLength;
        }

        public Uri BaseUrl { get; private set; } = null!;

        public long BytesSent => Interlocked.Read(ref _sent);

        public int RequestCount { get { lock (_served) return _served.Count; } }

        public static EndlessBodyServer Start(long total, bool announceLength)
        {
            var server = new EndlessBodyServer(total, announceLength);
            server._listener.Start();
            server.BaseUrl = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)server._listener.LocalEndpoint).Port}/v1");
            server._accepting = server.AcceptAsync();
            return server;
        }

        public async Task<IReadOnlyList<(long Sent, BodyOutcome Outcome)>> AllFinishedAsync()
        {
            Task<(long, BodyOutcome)>[] served;
            lock (_served) served = [.. _served];
            return await Task.WhenAll(served);
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_served) _served.Add(Task.Run(() => ServeAsync(client)));
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task<(long, BodyOutcome)> ServeAsync(System.Net.Sockets.TcpClient client)
        {
            long sent = 0;
            using (client)
            {
                var stream = client.GetStream();
                try
                {
                    await ReadRequestAsync(stream);
                    var prefix = Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-huge\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"loopback\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"");
                    var suffix = Encoding.UTF8.GetBytes("\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}");
                    var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        + (_announceLength ? $"Content-Length: {prefix.Length + _total + suffix.Length}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                    var chunk = new byte[1024 * 1024];
                    Array.Fill(chunk, (byte)'a');
                    await WritePartAsync(stream, prefix, prefix.Length);
                    sent += prefix.Length;
                    for (var body = 0L; body < _total;)
                    {
                        var n = (int)Math.Min(chunk.Length, _total - body);
                        await WritePartAsync(stream, chunk, n);
                        body += n;
                        sent += n;
                        Interlocked.Add(ref _sent, n);
                    }
                    await WritePartAsync(stream, suffix, suffix.Length);
                    if (!_announceLength) await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), _stop.Token);
                    return (sent, BodyOutcome.SentEverything);
                }
                catch (OperationCanceledException)
                {
                    return (sent, BodyOutcome.Stopped);
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    return (sent, BodyOutcome.ClientHungUp);
                }
            }
        }

        private async Task WritePartAsync(Stream stream, byte[] data, int count)
        {
            if (!_announceLength) await stream.WriteAsync(Encoding.ASCII.GetBytes($"{count:X}\r\n"), _stop.Token);
            await stream.WriteAsync(data.AsMemory(0, count), _stop.Token);
            if (!_announceLength) await stream.WriteAsync("\r\n"u8.ToArray(), _stop.Token);
        }

        /// <summary>Reads one request: headers, then a Content-Length or chunked body.</summary>
        private async Task ReadRequestAsync(Stream stream)
        {
            var buffer = new List<byte>();
            var one = new byte[8192];
            int headerEnd;
            while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
            {
                var n = await stream.ReadAsync(one, _stop.Token);
                if (n == 0) throw new IOException("the client closed before sending a request");
                buffer.AddRange(one.AsSpan(0, n));
            }
            var headers = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]);
            var body = buffer.Count - (headerEnd + 4);
            var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (lengthLine is not null)
            {
                var length = long.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                while (body < length)
                {
                    var n = await stream.ReadAsync(one, _stop.Token);
                    if (n == 0) throw new IOException("the client closed mid-request");
                    body += n;
                }
            }
            else if (headers.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                while (IndexOf(buffer, "\r\n0\r\n\r\n"u8) < 0)
                {
                    var n = await stream.ReadAsync(one, _stop.Token);
                    if (n == 0) throw new IOException("the client closed mid-request");
                    buffer.AddRange(one.AsSpan(0, n));
                }
            }
        }

        private static int IndexOf(List<byte> haystack, ReadOnlySpan<byte> needle)
        {
            for (var i = 0; i + needle.Length <= haystack.Count; i++)
            {
                var match = true;
                for (var j = 0; j < needle.Length && match; j++) match = haystack[i + j] == needle[j];
                if (match) return i;
            }
            return -1;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try { await _accepting; } catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException) { }
            try { await AllFinishedAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
            _stop.Dispose();
        }
    }
}
