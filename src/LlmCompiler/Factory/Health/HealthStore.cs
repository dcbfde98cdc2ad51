using System.Text.Json;
using System.Text.Json.Serialization;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Health;

/// <summary>What the health budget has counted so far.</summary>
public sealed record HealthState
{
    public int FailedAttempts { get; init; }
    public int TransportFailures { get; init; }
    public IReadOnlyList<string> FailedWorkOrders { get; init; } = [];

    /// <summary>Normalised first tool diagnostic → the work orders that failed with it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> BySignature { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public Diagnostic? Stopped { get; init; }
    public Diagnostic? NoNewWork { get; init; }
}

/// <summary>Reads the state, lets a change decide, and keeps what it returns (nothing when null) — atomically.</summary>
internal interface IHealthStore
{
    T Update<T>(Func<HealthState, (HealthState? Next, T Result)> change);
}

internal sealed class MemoryHealthStore : IHealthStore
{
    private readonly object _gate = new();
    private HealthState _state = new();

    public T Update<T>(Func<HealthState, (HealthState? Next, T Result)> change)
    {
        lock (_gate)
        {
            var (next, result) = change(_state);
            if (next is not null) _state = next;
            return result;
        }
    }
}

/// <summary>
/// The state in a small JSON file changed only under an exclusive lock on a file beside it (as the shared budget):
/// the nodes of a fanned-out run, each its own process, count against one budget. A state that cannot be read counts
/// as fresh rather than failing the run: the health budget protects spending, it must not become a way to fail.
/// </summary>
internal sealed class HealthStore(string path) : IHealthStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public T Update<T>(Func<HealthState, (HealthState? Next, T Result)> change)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gate = FileMutex.Acquire(path + ".lock", LockWait);
        var (next, result) = change(Read());
        if (next is not null) AtomicFile.WriteAllText(path, JsonSerializer.Serialize(next, HealthJsonContext.Default.HealthState));
        return result;
    }

    private HealthState Read()
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), HealthJsonContext.Default.HealthState) ?? new() : new();
        }
        catch (JsonException)
        {
            return new();
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthState))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
