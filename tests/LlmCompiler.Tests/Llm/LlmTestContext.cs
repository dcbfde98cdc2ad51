using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

/// <summary>A temp folder, a private environment and a loopback server for one test.</summary>
internal sealed class LlmTestContext : IAsyncDisposable
{
    public const string KeyVariable = "LLMC_TEST_API_KEY";

    private readonly TempDirectory _root = new("llmc-llm");

    private LlmTestContext(LoopbackLlmServer server) => Server = server;

    public LoopbackLlmServer Server { get; }

    public string Root => _root.Path;

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string CassettesDirectory => Path.Combine(Root, "cassettes");

    public string LedgerPath => Path.Combine(Root, "ledger.jsonl");

    public FakeTime Time { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static async Task<LlmTestContext> StartAsync() => new(await LoopbackLlmServer.StartAsync());

    /// <summary>Loopback settings tuned for fast tests: tiny back-off, short timeouts.</summary>
    public LlmSettings Settings(LlmMode mode = LlmMode.Live) => new()
    {
        Model = "gpt-4o-mini",
        Endpoint = Server.BaseUrl,
        ApiKeyEnvironmentVariable = KeyVariable,
        Mode = mode,
        CassettesDirectory = CassettesDirectory,
        LedgerPath = LedgerPath,
        MaxOutputTokens = 1000,
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        NetworkTimeout = TimeSpan.FromSeconds(20),
        CallDeadline = TimeSpan.FromSeconds(60),
    };

    public LlmSession Session(LlmSettings settings)
    {
        var (session, errors) = LlmSession.Create(settings, Time, name => Environment.TryGetValue(name, out var v) ? v : null);
        Assert.IsNotNull(session, string.Join("; ", errors));
        return session;
    }

    public string[] LedgerLines() => File.Exists(LedgerPath) ? File.ReadAllLines(LedgerPath) : [];

    public string[] CassetteFiles() =>
        Directory.Exists(CassettesDirectory) ? Directory.GetFiles(CassettesDirectory, "*.json").Order(StringComparer.Ordinal).ToArray() : [];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _root.Dispose();
    }

    public static LlmRequest Request(string user = "Say hello as JSON.", string purpose = "planner") =>
        new(purpose, [LlmMessage.System("You answer with one JSON object."), LlmMessage.User(user)]);

    public static Diagnostic Error(LlmResult result, string code)
    {
        Assert.IsFalse(result.Success, $"expected {code}, got success: {result.Response?.Text}");
        Assert.AreEqual(code, result.Error!.Code, result.Error.Message);
        return result.Error;
    }
}

/// <summary>A clock that stands still unless told otherwise, for deterministic timestamps.</summary>
internal sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
