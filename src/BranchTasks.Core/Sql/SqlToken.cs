namespace BranchTasks.Core.Sql;

public enum SqlTokenKind
{
    Word,
    QuotedIdentifier,
    StringLiteral,
    Comment,
    Whitespace,
    Symbol,
}

/// <summary>A piece of SQL text; <see cref="Value"/> is an identifier's name with its quoting removed.</summary>
public readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length, string Value)
{
    public int End => Start + Length;

    public bool IsIdentifier => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;

    public bool IsWord(string word) => Kind == SqlTokenKind.Word && Value.Equals(word, StringComparison.OrdinalIgnoreCase);
}
