using System.Runtime.InteropServices;

namespace LlmCompiler.IO;

/// <summary>What a path is, read with <c>lstat</c> semantics (a symbolic link is reported as a link, never followed).</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    /// <summary>A FIFO, socket, character or block device: opening one for reading can block forever or never end.</summary>
    Special,
}

/// <summary>
/// The file type of a path. .NET exposes no file type beyond "directory" and "reparse point", and a FIFO or
/// <c>/dev/zero</c> looks like an ordinary file to <see cref="File.Exists"/>; opening a FIFO blocks until a writer
/// appears. The runtime's own native shim (<c>SystemNative_LStat</c>, the call behind <see cref="FileInfo"/>) reports
/// the type bits in a platform-independent form, so it is called directly.
/// </summary>
public static partial class FileKinds
{
    // PAL constants of System.Native's FileStatus.Mode (pal_io.h), identical on every Unix.
    private const int TypeMask = 0xF000;
    private const int TypeFifo = 0x1000;
    private const int TypeCharacter = 0x2000;
    private const int TypeDirectory = 0x4000;
    private const int TypeBlock = 0x6000;
    private const int TypeRegular = 0x8000;
    private const int TypeLink = 0xA000;
    private const int TypeSocket = 0xC000;

    private static bool s_nativeUnavailable;

    /// <summary>The kind of <paramref name="path"/> itself (a link is <see cref="FileKind.SymbolicLink"/>).</summary>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsWindows() && !s_nativeUnavailable && TryNative(path, out var kind)) return kind;
        return Managed(path);
    }

    /// <summary>The kind of what <paramref name="path"/> finally points at (links followed; a dangling or looping link is missing).</summary>
    public static FileKind OfTarget(string path)
    {
        var kind = Of(path);
        if (kind != FileKind.SymbolicLink) return kind;
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
            var final = target is null ? FileKind.Missing : Of(target.FullName);
            return final == FileKind.SymbolicLink ? FileKind.Missing : final;
        }
        catch (IOException)
        {
            return FileKind.Missing;
        }
    }

    /// <summary>True when <paramref name="path"/> is a regular file that is not a link.</summary>
    public static bool IsRegularFile(string path) => Of(path) == FileKind.Regular;

    /// <summary>A predicate for messages: <c>'x' does not exist</c>, <c>'x' is a directory</c>.</summary>
    public static string Describe(FileKind kind) => kind == FileKind.Missing ? "does not exist" : "is " + Noun(kind);

    /// <summary>The kind as a noun: <c>a regular file</c>, <c>a FIFO, socket or device</c>.</summary>
    public static string Noun(FileKind kind) => kind switch
    {
        FileKind.Missing => "nothing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "a FIFO, socket or device, not a regular file",
    };

    private static unsafe bool TryNative(string path, out FileKind kind)
    {
        kind = FileKind.Missing;
        try
        {
            // FileStatus is well under 256 bytes; Mode is the second int32.
            var buffer = stackalloc byte[256];
            if (LStat(path, buffer) != 0)
            {
                kind = FileKind.Missing;
                return !File.Exists(path) && !Directory.Exists(path);
            }
            var mode = *(int*)(buffer + 4);
            kind = (mode & TypeMask) switch
            {
                TypeRegular => FileKind.Regular,
                TypeDirectory => FileKind.Directory,
                TypeLink => FileKind.SymbolicLink,
                TypeFifo or TypeCharacter or TypeBlock or TypeSocket => FileKind.Special,
                _ => FileKind.Special,
            };
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            s_nativeUnavailable = true;
            return false;
        }
    }

    private static FileKind Managed(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        if (!info.Exists) return FileKind.Missing;
        return (info.Attributes & FileAttributes.Device) != 0 ? FileKind.Special : FileKind.Regular;
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* output);
}
