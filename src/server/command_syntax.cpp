#include "server/command_syntax.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

namespace strata::server {
namespace {

// In ArgType's order.
constexpr std::array<std::string_view, 9> kTypeNames = {"key",       "string",     "integer", "double", "pattern",
                                                         "unix-time", "pure-token", "oneof",   "block"};

// Argument names that are integers wherever they appear (see InferArgType).
constexpr std::string_view kIntegerNames[] = {
    "count", "offset", "index", "index1", "index2", "numkeys", "start", "end", "stop", "seconds", "milliseconds",
    "cursor", "db", "destination-db", "increment", "decrement", "rank", "num-matches", "len", "limit", "bit",
    "client-id", "protover"};

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool HasLower(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}
bool HasUpper(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string Lower(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsKeyName(std::string_view name) {
  if (OneOf(name, {"source", "destination", "src", "dst"})) return true;
  if (name.ends_with("key")) return true;
  if (!name.starts_with("key")) return false;
  return std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits the syntax into brackets, bars, ellipses and words.
std::vector<std::string_view> Lex(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '[' || c == ']' || c == '<' || c == '>' || c == '|') {
      out.push_back(s.substr(i, 1));
      ++i;
    } else {
      size_t end = i;
      while (end < s.size() && std::string_view(" \t[]<>|").find(s[end]) == std::string_view::npos) ++end;
      out.push_back(s.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

// One item of a sequence: a word, a bracketed group, or a repetition "[x ...]". `begin` and `end`
// delimit its lexemes, brackets included.
struct Item {
  enum class Kind { kWord, kGroup, kRepeat } kind = Kind::kWord;
  size_t begin = 0;
  size_t end = 0;
  bool optional = false;                // kGroup: [...] rather than <...>
  std::vector<std::vector<Item>> alts;  // kGroup, kRepeat: the alternatives
};

// A converted argument with the lexemes it came from, to match repetitions against: `full`
// includes its token, `value` leaves the token out, `inner` leaves a group's brackets out.
struct Conv {
  SyntaxArg arg;
  std::pair<size_t, size_t> full;
  std::pair<size_t, size_t> value;
  std::pair<size_t, size_t> inner;
};

class Parser {
 public:
  Parser(std::string_view syntax, const SyntaxContext& ctx) : lex_(Lex(syntax)), ctx_(ctx) {
    by_score_or_lex_ = ctx.command.find("lex") != std::string_view::npos ||
                       std::any_of(lex_.begin(), lex_.end(),
                                   [](std::string_view w) { return w == "BYSCORE" || w == "BYLEX"; });
  }

  bool Parse(size_t name_words, std::vector<SyntaxArg>* args, std::string* error) {
    for (size_t i = 0; i < name_words; ++i) {
      if (i >= lex_.size() || HasLower(lex_[i]) || !HasUpper(lex_[i])) {
        *error = "the syntax must start with the command's name in upper case";
        return false;
      }
    }
    pos_ = name_words;
    std::vector<Item> items;
    ParseSequence(&items);
    if (error_.empty() && pos_ < lex_.size()) {
      error_ = lex_[pos_] == "|" ? "alternatives outside a group: write <a | b> or [a | b]"
                                 : "unbalanced '" + std::string(lex_[pos_]) + "'";
    }
    std::vector<Conv> convs;
    if (error_.empty()) ConvertSequence(items, &convs);
    if (!error_.empty()) {
      *error = error_;
      return false;
    }
    args->clear();
    for (Conv& c : convs) args->push_back(std::move(c.arg));
    return true;
  }

 private:
  bool At(std::string_view lexeme) const { return pos_ < lex_.size() && lex_[pos_] == lexeme; }

  void ParseSequence(std::vector<Item>* seq) {
    while (error_.empty() && pos_ < lex_.size() && !At("]") && !At(">") && !At("|") && !At("...")) {
      if (At("[") || At("<")) {
        seq->push_back(ParseGroup());
        continue;
      }
      const std::string_view word = lex_[pos_];
      if (HasLower(word) && HasUpper(word)) {
        error_ = "'" + std::string(word) + "' mixes cases: arguments are lower case, tokens upper case";
        return;
      }
      Item item;
      item.begin = pos_;
      item.end = ++pos_;
      seq->push_back(std::move(item));
    }
  }

  Item ParseGroup() {
    Item item;
    item.kind = Item::Kind::kGroup;
    item.begin = pos_;
    item.optional = At("[");
    const std::string_view close = item.optional ? "]" : ">";
    ++pos_;
    while (error_.empty()) {
      item.alts.emplace_back();
      ParseSequence(&item.alts.back());
      if (error_.empty() && item.alts.back().empty()) error_ = "an empty alternative or group";
      if (!error_.empty()) break;
      if (At("|")) {
        ++pos_;
        continue;
      }
      if (At("...")) {
        if (!item.optional || pos_ + 1 >= lex_.size() || lex_[pos_ + 1] != "]") {
          error_ = "'...' must end a [...] group";
          break;
        }
        item.kind = Item::Kind::kRepeat;
        ++pos_;
      }
      if (!At(close)) {
        error_ = "unbalanced '" + std::string(lex_[item.begin]) + "'";
        break;
      }
      ++pos_;
      break;
    }
    item.end = pos_;
    return item;
  }

  bool SameLexemes(std::pair<size_t, size_t> a, std::pair<size_t, size_t> b) const {
    return a.second - a.first == b.second - b.first &&
           std::equal(lex_.begin() + static_cast<std::ptrdiff_t>(a.first),
                      lex_.begin() + static_cast<std::ptrdiff_t>(a.second),
                      lex_.begin() + static_cast<std::ptrdiff_t>(b.first));
  }

  // The content of a repetition "[x ...]": x.
  static std::pair<size_t, size_t> RepeatContent(const Item& rep) { return {rep.begin + 1, rep.end - 2}; }

  // A group's name: its children's, a child introduced by a token giving the token.
  static std::string JoinedName(const std::vector<SyntaxArg>& children) {
    std::string name;
    for (const SyntaxArg& c : children) {
      if (!name.empty()) name += '_';
      name += c.token.empty() ? c.name : Lower(c.token);
    }
    return name;
  }

  static Conv Composite(ArgType type, std::vector<Conv> parts) {
    Conv out;
    out.arg.type = type;
    for (Conv& p : parts) out.arg.children.push_back(std::move(p.arg));
    out.arg.name = JoinedName(out.arg.children);
    out.full = out.value = out.inner = {parts.front().full.first, parts.back().full.second};
    return out;
  }

  SyntaxArg Plain(std::string_view name) const {
    SyntaxArg arg;
    arg.name = std::string(name);
    arg.type = InferArgType(name, ctx_, by_score_or_lex_);
    return arg;
  }

  void ConvertSequence(const std::vector<Item>& seq, std::vector<Conv>* out) {
    size_t i = 0;
    while (i < seq.size() && error_.empty()) {
      const Item& item = seq[i];
      if (item.kind == Item::Kind::kRepeat) {
        ApplyRepeat(item, out);
        ++i;
        continue;
      }
      if (item.kind == Item::Kind::kGroup) {
        out->push_back(ConvertGroup(item));
        ++i;
        continue;
      }
      const std::string_view word = lex_[item.begin];
      Conv conv;
      if (HasLower(word)) {
        conv.arg = Plain(word);
        conv.full = conv.value = conv.inner = {item.begin, item.end};
        out->push_back(std::move(conv));
        ++i;
        continue;
      }
      // A token: it introduces the argument names that follow it, or a required group.
      size_t j = i + 1;
      while (j < seq.size() && seq[j].kind == Item::Kind::kWord && HasLower(lex_[seq[j].begin])) ++j;
      if (j == i + 2) {
        conv.arg = Plain(lex_[seq[i + 1].begin]);
        conv.value = conv.inner = {seq[i + 1].begin, seq[i + 1].end};
      } else if (j > i + 2) {
        std::vector<Conv> parts;
        for (size_t k = i + 1; k < j; ++k) {
          Conv part;
          part.arg = Plain(lex_[seq[k].begin]);
          part.full = {seq[k].begin, seq[k].end};
          parts.push_back(std::move(part));
        }
        conv = Composite(ArgType::kBlock, std::move(parts));
        conv.arg.name = Lower(word);
      } else if (j < seq.size() && seq[j].kind == Item::Kind::kGroup && !seq[j].optional) {
        conv = ConvertGroup(seq[j]);
        if (conv.arg.type == ArgType::kOneOf || conv.arg.type == ArgType::kBlock) conv.arg.name = Lower(word);
        ++j;
      } else {
        conv.arg.name = Lower(word);
        conv.arg.type = ArgType::kPureToken;
        conv.value = conv.inner = {item.begin, item.end};
      }
      conv.arg.token = std::string(word);
      conv.full = {item.begin, seq[j - 1].end};
      out->push_back(std::move(conv));
      i = j;
    }
  }

  // "x [x ...]": marks the argument (or the arguments, made a block) that the repetition repeats.
  void ApplyRepeat(const Item& rep, std::vector<Conv>* out) {
    const std::pair<size_t, size_t> content = RepeatContent(rep);
    if (!out->empty()) {
      Conv& last = out->back();
      if (SameLexemes(content, last.full)) {
        last.arg.multiple = true;
        last.arg.multiple_token = !last.arg.token.empty() && last.arg.type != ArgType::kPureToken;
        return;
      }
      if (SameLexemes(content, last.value) || SameLexemes(content, last.inner)) {
        last.arg.multiple = true;
        return;
      }
    }
    for (size_t k = 2; k <= out->size(); ++k) {
      const size_t first = out->size() - k;
      if (!SameLexemes(content, {(*out)[first].full.first, out->back().full.second})) continue;
      std::vector<Conv> parts(std::make_move_iterator(out->begin() + static_cast<std::ptrdiff_t>(first)),
                              std::make_move_iterator(out->end()));
      out->resize(first);
      out->push_back(Composite(ArgType::kBlock, std::move(parts)));
      out->back().arg.multiple = true;
      return;
    }
    error_ = "a repetition that repeats nothing before it: " + Text({rep.begin, rep.end});
  }

  Conv ConvertGroup(const Item& group) {
    // "[a | b [a | b ...]]": the repetition at the end repeats the whole choice.
    bool multiple = false;
    const std::vector<Item>& last_alt = group.alts.back();
    if (group.alts.size() >= 2 && last_alt.back().kind == Item::Kind::kRepeat &&
        SameLexemes(RepeatContent(last_alt.back()), {group.begin + 1, last_alt.back().begin})) {
      multiple = true;
    }
    std::vector<Conv> choices;
    for (size_t a = 0; a < group.alts.size() && error_.empty(); ++a) {
      std::vector<Item> alt = group.alts[a];
      if (multiple && a + 1 == group.alts.size()) alt.pop_back();
      std::vector<Conv> parts;
      ConvertSequence(alt, &parts);
      if (error_.empty() && parts.empty()) error_ = "an alternative that is only a repetition";
      if (!error_.empty()) break;
      choices.push_back(parts.size() == 1 ? std::move(parts.front()) : Composite(ArgType::kBlock, std::move(parts)));
    }
    if (!error_.empty()) return {};
    Conv out = choices.size() == 1 ? std::move(choices.front()) : Composite(ArgType::kOneOf, std::move(choices));
    out.arg.optional = out.arg.optional || group.optional;
    out.arg.multiple = out.arg.multiple || multiple;
    out.full = out.value = {group.begin, group.end};
    out.inner = {group.begin + 1, group.end - 1};
    return out;
  }

  std::string Text(std::pair<size_t, size_t> range) const {
    std::string out;
    for (size_t i = range.first; i < range.second; ++i) {
      if (!out.empty()) out += ' ';
      out += lex_[i];
    }
    return out;
  }

  std::vector<std::string_view> lex_;
  const SyntaxContext& ctx_;
  bool by_score_or_lex_ = false;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::string_view ArgTypeName(ArgType type) { return kTypeNames[static_cast<size_t>(type)]; }

ArgType InferArgType(std::string_view name, const SyntaxContext& ctx, bool by_score_or_lex) {
  if (IsKeyName(name)) return ArgType::kKey;
  if (name == "pattern") return ArgType::kPattern;
  if (name.starts_with("unix-time")) return ArgType::kUnixTime;
  if (by_score_or_lex && OneOf(name, {"start", "stop", "min", "max"})) return ArgType::kString;
  if (name == "timeout") return ctx.command == "client|pause" ? ArgType::kInteger : ArgType::kDouble;
  if (name == "increment" && ctx.command.ends_with("float")) return ArgType::kDouble;
  if (ctx.group == "sorted-set" && OneOf(name, {"score", "increment", "weight", "min", "max"})) {
    return ArgType::kDouble;
  }
  if (std::find(std::begin(kIntegerNames), std::end(kIntegerNames), name) != std::end(kIntegerNames)) {
    return ArgType::kInteger;
  }
  if (ctx.group == "bitmap" && name == "value") return ArgType::kInteger;
  return ArgType::kString;
}

bool ParseCommandSyntax(std::string_view syntax, size_t name_words, const SyntaxContext& ctx,
                        std::vector<SyntaxArg>* args, std::string* error) {
  return Parser(syntax, ctx).Parse(name_words, args, error);
}

}  // namespace strata::server
