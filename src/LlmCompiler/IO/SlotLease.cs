namespace LlmCompiler.IO;

/// <summary>
/// One of a repository's worktree slots, held by an OS file lock so that the bound on concurrent work orders holds
/// across processes (the MSBuild nodes of one run), not only within one. The kernel drops the lock when its holder
/// dies, so a killed node never keeps a slot.
/// </summary>
public sealed class SlotLease : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly FileStream _stream;

    private SlotLease(FileStream stream, string slot)
    {
        _stream = stream;
        Slot = slot;
    }

    /// <summary>The slot's name (<see cref="RepositoryLayout.ParallelSlot"/>).</summary>
    public string Slot { get; }

    /// <summary>Takes the first free of <paramref name="slots"/> slots, waiting (and saying so once) while all are taken.</summary>
    public static async Task<SlotLease> AcquireAsync(string locksDirectory, int slots, Action onWait, CancellationToken ct)
    {
        Directory.CreateDirectory(locksDirectory);
        var waited = false;
        while (true)
        {
            for (var k = 1; k <= Math.Max(1, slots); k++)
            {
                var name = RepositoryLayout.ParallelSlot(k);
                if (FileMutex.TryAcquire(Path.Combine(locksDirectory, name + ".lock")) is { } stream) return new SlotLease(stream, name);
            }
            if (!waited)
            {
                waited = true;
                onWait();
            }
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stream.Dispose();
}
