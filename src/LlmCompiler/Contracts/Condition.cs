using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<ConditionKind>))]
public enum ConditionKind
{
    [JsonStringEnumMemberName("file_exists")] FileExists,
    [JsonStringEnumMemberName("file_absent")] FileAbsent,
}

/// <summary>A file-system fact about one repository path: it exists, or it does not.</summary>
public sealed record Condition(ConditionKind Kind, string Path)
{
    public const string FileExistsName = "file_exists";
    public const string FileAbsentName = "file_absent";

    /// <summary><see cref="FileExistsName"/> as UTF-8, for comparing with JSON bytes as written.</summary>
    public static ReadOnlySpan<byte> FileExistsUtf8 => "file_exists"u8;

    /// <summary><see cref="FileAbsentName"/> as UTF-8.</summary>
    public static ReadOnlySpan<byte> FileAbsentUtf8 => "file_absent"u8;

    public static Condition Exists(string path) => new(ConditionKind.FileExists, path);

    public static Condition Absent(string path) => new(ConditionKind.FileAbsent, path);

    [JsonIgnore]
    public string KindName => Kind == ConditionKind.FileExists ? FileExistsName : FileAbsentName;

    public override string ToString() => $"{KindName}({Path})";
}
