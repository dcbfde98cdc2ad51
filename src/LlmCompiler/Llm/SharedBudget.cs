using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.IO;

namespace LlmCompiler.Llm;

/// <summary>
/// The live spending and in-flight reservations of one run whose calls come from several processes, kept in a small
/// JSON file changed only under an exclusive OS lock on a file beside it. Reserving the worst case here before each
/// call is what keeps two MSBuild nodes from together overshooting the run's budget; a process that dies with a
/// reservation leaves it counted, which errs on the side of spending less.
/// </summary>
internal sealed class SharedBudget(string path)
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public readonly record struct Totals(long SpentTokens, decimal SpentCost, long ReservedTokens, decimal ReservedCost);

    /// <summary>Reads the totals, lets <paramref name="change"/> decide, and writes what it returns (or nothing when null).</summary>
    public T Update<T>(Func<Totals, (Totals? Next, T Result)> change)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gate = FileMutex.Acquire(path + ".lock", LockWait);
        var (next, result) = change(Read());
        if (next is { } totals) Write(totals);
        return result;
    }

    private Totals Read()
    {
        if (!File.Exists(path)) return default;
        var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new IOException($"'{path}' is not a budget record");
        return new Totals(
            o["spent_tokens"]?.GetValue<long>() ?? 0,
            decimal.Parse(o["spent_cost_usd"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture),
            o["reserved_tokens"]?.GetValue<long>() ?? 0,
            decimal.Parse(o["reserved_cost_usd"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture));
    }

    private void Write(Totals t) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new JsonObject
    {
        ["spent_tokens"] = t.SpentTokens,
        // Decimals as strings: a JSON number through double would round the ledger's cents.
        ["spent_cost_usd"] = t.SpentCost.ToString(CultureInfo.InvariantCulture),
        ["reserved_tokens"] = t.ReservedTokens,
        ["reserved_cost_usd"] = t.ReservedCost.ToString(CultureInfo.InvariantCulture),
    }));
}
