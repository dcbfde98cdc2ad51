using System.Text;

namespace LlmCompiler.Processes;

/// <summary>
/// Pumps one child stream to an optional file while keeping a bounded tail (or, for git output, the whole
/// stream up to a limit) in memory. Memory stays bounded whatever the child prints.
/// </summary>
internal sealed class OutputSink : IDisposable
{
    private readonly object _gate = new();
    private readonly FileStream? _file;
    private readonly int _tailBytes;
    private readonly int? _keepAllUpTo;
    private readonly MemoryStream _all = new();
    private byte[] _tail;
    private int _tailStart;
    private int _tailCount;
    private bool _overflowed;

    public OutputSink(string? path, int tailBytes, int? keepAllUpTo)
    {
        _tailBytes = Math.Max(1, tailBytes);
        _tail = new byte[_tailBytes];
        _keepAllUpTo = keepAllUpTo;
        if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
    }

    public async Task PumpAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0) Append(buffer.AsSpan(0, read));
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe was torn down under us (process killed, streams disposed after a drain timeout).
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_file is not null && _file.CanWrite) _file.Write(data);
            if (_keepAllUpTo is { } limit && !_overflowed)
            {
                if (_all.Length + data.Length <= limit) _all.Write(data);
                else _overflowed = true;
            }
            foreach (var b in data.Length > _tailBytes ? data[^_tailBytes..] : data)
            {
                _tail[(_tailStart + _tailCount) % _tailBytes] = b;
                if (_tailCount < _tailBytes) _tailCount++;
                else _tailStart = (_tailStart + 1) % _tailBytes;
            }
        }
    }

    public string TailText
    {
        get
        {
            lock (_gate)
            {
                var bytes = new byte[_tailCount];
                for (var i = 0; i < _tailCount; i++) bytes[i] = _tail[(_tailStart + i) % _tailBytes];
                return Encoding.UTF8.GetString(bytes);
            }
        }
    }

    public byte[]? AllBytes
    {
        get { lock (_gate) return _keepAllUpTo is null || _overflowed ? null : _all.ToArray(); }
    }

    public bool Overflowed
    {
        get { lock (_gate) return _overflowed; }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Flush();
            _file?.Dispose();
        }
    }
}
