# Reads the JSON of Yosys' `stat -json -top <top>` (rtl/synth/synth.ys) and
# prints, tab-separated:
#   total <cells> <ff> <mux> <xor> <andor> <not> <other> <mem> <memory bits>
#   block <name> <instances> <cells> <ff> <mux> <xor> <andor> <not> <mem> <memory bits> <other types>
# Cell classes are those of Yosys' internal gate library; a block's cells
# are its own (submodule instances not included), per instance.
# Optional: -v mem=<stat json after memory_unpack> for memory bits,
# -v params=<"module<TAB>A=1 B=2" lines> to tell parameter variants apart.
function classify(t) {
  if (t ~ /DFF|DLATCH|^\$_SR_/) return "ff"
  if (t ~ /^\$_N?MUX(4|8|16)?_$/) return "mux"
  if (t ~ /^\$_XN?OR_$/) return "xor"
  if (t ~ /^\$_(N?AND|N?OR|ANDNOT|ORNOT|AOI3|OAI3|AOI4|OAI4)_$/) return "andor"
  if (t ~ /^\$_(NOT|BUF)_$/) return "not"
  if (t ~ /^\$mem(_v2)?$/) return "mem"
  return "other"
}
function unquote(s) {
  sub(/^ *"/, "", s); sub(/".*/, "", s); gsub(/\\\\/, "\\", s)
  return s
}
function short(m) {
  sub(/^\$paramod\$[0-9a-f]*\\/, "", m); sub(/^\\/, "", m)
  return m
}
BEGIN {
  if (params != "")
    while ((getline line < params) > 0) { split(line, f, "\t"); pstr[f[1]] = f[2] }
  if (mem != "") {
    msec = ""
    while ((getline line < mem) > 0) {
      if (line ~ /": \{/ && line !~ /num_cells_by_type/) msec = unquote(line)
      else if (line ~ /"num_memory_bits":/) { v = line; sub(/.*: */, "", v); sub(/,$/, "", v); mbits[msec] = v }
    }
  }
}
/"num_cells_by_type": \{/ { bytype = 1; next }
/^ *\}/ { bytype = 0; next }
/": \{/ {
  s = unquote($0)
  if (s != "modules") { sec = s; if (s != "design") mods[++nmods] = s; ismod[s] = (s != "design") }
  next
}
sec != "" && /": *[0-9]+,?$/ {
  k = unquote($0); v = $0; sub(/.*: */, "", v); sub(/,$/, "", v)
  if (!bytype) { if (k == "num_cells") cells[sec] = v; next }
  n++; ksec[n] = sec; ktype[n] = k; kval[n] = v
}
END {
  split("ff mux xor andor not other mem", classes, " ")
  # Instances: the top (not instantiated anywhere) once, then propagate.
  for (i = 1; i <= n; i++) if (ksec[i] != "design" && ismod[ktype[i]]) child[ktype[i]] = 1
  for (j = 1; j <= nmods; j++) inst[mods[j]] = child[mods[j]] ? 0 : 1
  for (pass = 0; pass < nmods; pass++)
    for (j = 1; j <= nmods; j++) {
      m = mods[j]
      if (!child[m]) continue
      c = 0
      for (i = 1; i <= n; i++) if (ktype[i] == m && ksec[i] != "design") c += inst[ksec[i]] * kval[i]
      inst[m] = c
    }
  for (i = 1; i <= n; i++) {
    s = ksec[i]; t = ktype[i]
    if (s == "design") { tot[classify(t)] += kval[i]; continue }
    if (ismod[t]) continue
    cl = classify(t)
    own[s, cl] += kval[i]; owncells[s] += kval[i]
    if (cl == "other") oth[s] = oth[s] (oth[s] == "" ? "" : ", ") t " x" kval[i]
  }
  printf "total\t%s", cells["design"]
  for (c = 1; c <= 7; c++) printf "\t%d", tot[classes[c]]
  printf "\t%d\n", mbits["design"]
  # Parameter variants of one module (two SRAMs) get a number.
  for (j = 1; j <= nmods; j++) seen[short(mods[j])]++
  for (j = 1; j <= nmods; j++) {
    m = mods[j]; name = short(m)
    if (seen[name] > 1) name = name (m in pstr ? " (" pstr[m] ")" : " #" (++variant[name]))
    printf "block\t%s\t%d\t%d", name, inst[m], owncells[m]
    printf "\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", own[m, "ff"], own[m, "mux"], own[m, "xor"], \
      own[m, "andor"], own[m, "not"], own[m, "mem"], mbits[m], oth[m]
  }
}
