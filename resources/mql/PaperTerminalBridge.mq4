//+------------------------------------------------------------------+
//| PaperTerminalBridge.mq4                                          |
//| Expert advisor for Paper Terminal's ZeroMQ bridge (--mirror zmq, |
//| --feed zmq) on MetaTrader 4. Same protocol as the MQL5 version   |
//| (PaperTerminalBridge.mq5), the DWX ZeroMQ protocol:              |
//|   PULL  tcp://*:32768  commands  (TRADE;…, HIST;…, TRACK_PRICES;…, |
//|                                   HEARTBEAT)                     |
//|   PUSH  tcp://*:32769  replies   (Python dict literals)          |
//|   PUB   tcp://*:32770  prices    (SYMBOL:|:bid;ask)              |
//| TRADE;ACTION;TYPE;SYMBOL;PRICE;SL;TP;COMMENT;LOTS;MAGIC;TICKET   |
//| with SL/TP as distances in points (0 = none): from the fill      |
//| price for OPEN, from the open price for MODIFY.                  |
//|                                                                  |
//| Unlike the stock DWX server it answers every refusal with its    |
//| code, never reports a failed close as done, leaves an empty SL   |
//| or TP empty, escapes quotes, and tells its clock in HEARTBEAT.   |
//| A market order is sent without stops (ECN accounts refuse them)  |
//| and its stops are then set from the real fill; when that fails   |
//| the reply says ERROR_SETTING_SL_TP and the position stays open.  |
//| On MT4 a partial close re-opens the rest under a new ticket      |
//| (comment "from #<old>"): GET_OPEN_TRADES shows it.               |
//|                                                                  |
//| Needs the MQL ZeroMQ binding (github.com/dingmaotu/mql-zmq:      |
//| Include/Zmq, Library/MT4/libzmq.dll, libsodium.dll) and "Allow   |
//| DLL imports" for this expert. Written for Paper Terminal; not    |
//| derived from Darwinex's server code.                             |
//+------------------------------------------------------------------+
#property copyright "Paper Terminal"
#property version   "1.00"
#property strict

#include <Zmq/Zmq.mqh>
#include <stdlib.mqh>

input string InpHost       = "*";      // interface to bind ("*" = all; use 127.0.0.1 for local only)
input int    InpPushPort   = 32768;    // the bridge pushes commands here (we PULL)
input int    InpPullPort   = 32769;    // the bridge pulls replies from here (we PUSH)
input int    InpPubPort    = 32770;    // price stream (we PUB)
input int    InpTimerMs    = 1;        // command polling period, milliseconds
input int    InpDeviation  = 20;       // accepted slippage for market orders, points
input double InpMaxLots    = 10.0;     // refuse larger orders (LOT_SIZE_ERROR)

Context g_context("PaperTerminalBridge");
Socket  g_pull(g_context, ZMQ_PULL);
Socket  g_push(g_context, ZMQ_PUSH);
Socket  g_pub(g_context, ZMQ_PUB);
string  g_tracked[];
double  g_lastBid[];
double  g_lastAsk[];

//--- lifecycle ------------------------------------------------------
int OnInit()
  {
   g_context.setBlocky(false);
   g_pull.setLinger(0);
   g_push.setLinger(0);
   g_pub.setLinger(0);
   g_push.setSendHighWaterMark(1000);
   if(!g_pull.bind(StringFormat("tcp://%s:%d", InpHost, InpPushPort)) ||
      !g_push.bind(StringFormat("tcp://%s:%d", InpHost, InpPullPort)) ||
      !g_pub.bind(StringFormat("tcp://%s:%d", InpHost, InpPubPort)))
     {
      Print("PaperTerminalBridge: cannot bind the ZeroMQ ports; are they used by another expert?");
      return(INIT_FAILED);
     }
   EventSetMillisecondTimer(MathMax(InpTimerMs, 1));
   Print("PaperTerminalBridge: listening on ports ", InpPushPort, "/", InpPullPort, "/", InpPubPort);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   g_pull.unbind(StringFormat("tcp://%s:%d", InpHost, InpPushPort));
   g_push.unbind(StringFormat("tcp://%s:%d", InpHost, InpPullPort));
   g_pub.unbind(StringFormat("tcp://%s:%d", InpHost, InpPubPort));
  }

void OnTimer()
  {
   ZmqMsg request;
   // Answer every waiting command, one reply per command, in order.
   while(g_pull.recv(request, true))
     {
      string command = request.getData();
      if(StringLen(command) > 0)
         Reply(Handle(command));
     }
   PublishPrices();
  }

void Reply(const string text)
  {
   ZmqMsg reply(text);
   g_push.send(reply, true);
  }

//--- helpers ----------------------------------------------------------
string Q(const string s)              // a Python string literal
  {
   string out = s;
   StringReplace(out, "\\", "\\\\");
   StringReplace(out, "'", "\\'");
   return "'" + out + "'";
  }

string D(const double value, const int digits) { return DoubleToString(value, digits); }

string T(const datetime when) { return Q(TimeToString(when, TIME_DATE | TIME_SECONDS)); }

int SymbolDigits(const string symbol) { return (int)MarketInfo(symbol, MODE_DIGITS); }

string Refusal(const string action, const string code, const string text)
  {
   return "{'_action': " + Q(action) + ", '_response': " + Q(code) + ", 'response_value': " + Q(text) + "}";
  }

string Gate()
  {
   if(!IsExpertEnabled() || !TerminalInfoInteger(TERMINAL_TRADE_ALLOWED))
      return "{'_response': 'TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND'}";
   if(!MQLInfoInteger(MQL_TRADE_ALLOWED))
      return "{'_response': 'EA_IS_DISABLED__ABORTED_COMMAND'}";
   if(!IsDllsAllowed())
      return "{'_response': 'DLLS_DISABLED__ABORTED_COMMAND'}";
   if(IsTradeContextBusy())
      return "{'_response': 'TRADE_CONTEXT_BUSY__ABORTED_COMMAND'}";
   return "";
  }

string LastTradeRefusal(const string action)
  {
   int error = GetLastError();
   return Refusal(action, IntegerToString(error), ErrorDescription(error));
  }

//--- dispatch ---------------------------------------------------------
string Handle(const string command)
  {
   string parts[];
   int n = StringSplit(command, ';', parts);
   if(n < 1)
      return "{'_action': 'UNKNOWN', '_response': 'BAD_COMMAND'}";
   if(parts[0] == "HEARTBEAT")
      return "{'_action': 'heartbeat', '_response': 'loud and clear!', '_server_time': " + T(TimeCurrent()) +
             ", '_gmt_time': " + T(TimeGMT()) + ", '_server_clock': 'TimeCurrent'}";
   if(parts[0] == "TRACK_PRICES")
      return TrackPrices(parts, n);
   if(parts[0] == "HIST" && n == 5)
      return History(parts[1], (int)StringToInteger(parts[2]), StringToTime(parts[3]), StringToTime(parts[4]));
   if(parts[0] != "TRADE" || n != 11)
      return "{'_action': 'UNKNOWN', '_response': 'BAD_COMMAND', '_response_value': " + Q(command) + "}";

   string action = parts[1];
   if(action == "GET_OPEN_TRADES")
      return OpenTrades();
   if(action == "GET_ACCOUNT_INFO")
      return AccountInfo();
   string gate = Gate();
   if(gate != "")
      return gate;
   int    type    = (int)StringToInteger(parts[2]);
   string symbol  = parts[3];
   double price   = StringToDouble(parts[4]);
   int    sl      = (int)StringToInteger(parts[5]);
   int    tp      = (int)StringToInteger(parts[6]);
   string comment = parts[7];
   double lots    = StringToDouble(parts[8]);
   int    magic   = (int)StringToInteger(parts[9]);
   int    ticket  = (int)StringToInteger(parts[10]);
   if(action == "OPEN")
      return OpenOrder(type, symbol, price, sl, tp, comment, lots, magic);
   if(action == "MODIFY")
      return ModifyOrder(ticket, price, sl, tp);
   if(action == "CLOSE")
      return CloseTicket(ticket, 0.0);
   if(action == "CLOSE_PARTIAL")
      return CloseTicket(ticket, lots);
   if(action == "CLOSE_MAGIC")
      return CloseWhere(magic, true);
   if(action == "CLOSE_ALL")
      return CloseWhere(0, false);
   return "{'_action': " + Q(action) + ", '_response': 'BAD_COMMAND'}";
  }

//--- trading ----------------------------------------------------------
double StopLevel(const double base, const double sign, const int points, const double point, const int digits,
                 const bool below)
  {
   if(points <= 0)
      return 0.0;                                    // 0 points: no stop (never the open price)
   double distance = points * point * (below ? -sign : sign);
   return NormalizeDouble(base + distance, digits);
  }

string OpenOrder(const int type, const string symbol, double price, const int sl, const int tp,
            const string comment, const double lots, const int magic)
  {
   if(!SymbolSelect(symbol, true))
      return Refusal("EXECUTION", "4106", "unknown symbol " + symbol);
   if(type < 0 || type > 5)
      return Refusal("EXECUTION", "BAD_TYPE", "order type must be 0..5");
   if(lots > InpMaxLots)
      return Refusal("EXECUTION", "LOT_SIZE_ERROR", "MAX_LOT_SIZE_EXCEEDED");
   int    digits = SymbolDigits(symbol);
   double point  = MarketInfo(symbol, MODE_POINT);
   bool   buy    = (type == OP_BUY || type == OP_BUYLIMIT || type == OP_BUYSTOP);
   double sign   = buy ? 1.0 : -1.0;
   bool   market = (type == OP_BUY || type == OP_SELL);
   RefreshRates();
   if(market)
      price = buy ? MarketInfo(symbol, MODE_ASK) : MarketInfo(symbol, MODE_BID);
   price = NormalizeDouble(price, digits);
   // A pending order carries its stops; a market order gets them from its real fill below.
   double slPrice = market ? 0.0 : StopLevel(price, sign, sl, point, digits, true);
   double tpPrice = market ? 0.0 : StopLevel(price, sign, tp, point, digits, false);
   int ticket = OrderSend(symbol, type, lots, price, InpDeviation, slPrice, tpPrice, comment, magic, 0, clrNONE);
   if(ticket < 0)
      return LastTradeRefusal("EXECUTION");
   if(!OrderSelect(ticket, SELECT_BY_TICKET))
      return LastTradeRefusal("EXECUTION");
   double openPrice = OrderOpenPrice();
   string head = "{'_action': 'EXECUTION', '_symbol': " + Q(symbol) + ", '_magic': " + IntegerToString(magic) +
                 ", '_ticket': " + IntegerToString(ticket) + ", '_open_time': " + T(OrderOpenTime()) +
                 ", '_open_price': " + D(openPrice, digits);
   if(market && (sl > 0 || tp > 0))
     {
      slPrice = StopLevel(openPrice, sign, sl, point, digits, true);
      tpPrice = StopLevel(openPrice, sign, tp, point, digits, false);
      if(!OrderModify(ticket, openPrice, slPrice, tpPrice, 0, clrNONE))
        {
         int error = GetLastError();
         return head + ", '_response': 'ERROR_SETTING_SL_TP', '_response_value': " +
                Q(IntegerToString(error) + " " + ErrorDescription(error)) + "}";
        }
     }
   return head + ", '_sl': " + D(slPrice, digits) + ", '_tp': " + D(tpPrice, digits) + "}";
  }

string ModifyOrder(const int ticket, const double price, const int sl, const int tp)
  {
   if(!OrderSelect(ticket, SELECT_BY_TICKET) || OrderCloseTime() != 0)
      return Refusal("EXECUTION", "4108", "invalid ticket");
   string symbol = OrderSymbol();
   int    digits = SymbolDigits(symbol);
   double point  = MarketInfo(symbol, MODE_POINT);
   int    type   = OrderType();
   double sign   = (type == OP_BUY || type == OP_BUYLIMIT || type == OP_BUYSTOP) ? 1.0 : -1.0;
   bool   market = (type == OP_BUY || type == OP_SELL);
   double base   = market ? OrderOpenPrice() : (price > 0 ? NormalizeDouble(price, digits) : OrderOpenPrice());
   double slPrice = StopLevel(base, sign, sl, point, digits, true);
   double tpPrice = StopLevel(base, sign, tp, point, digits, false);
   bool unchanged = MathAbs(OrderStopLoss() - slPrice) < point / 2 && MathAbs(OrderTakeProfit() - tpPrice) < point / 2
                    && MathAbs(OrderOpenPrice() - base) < point / 2;
   if(!unchanged && !OrderModify(ticket, base, slPrice, tpPrice, 0, clrNONE))
      return LastTradeRefusal("EXECUTION");
   string reply = "{'_action': 'EXECUTION', '_ticket': " + IntegerToString(ticket);
   if(!market)
      reply += ", '_open_price': " + D(base, digits);
   return reply + ", '_sl': " + D(slPrice, digits) + ", '_tp': " + D(tpPrice, digits) + "}";
  }

string CloseTicket(const int ticket, const double lots)
  {
   string id = IntegerToString(ticket);
   if(!OrderSelect(ticket, SELECT_BY_TICKET) || OrderCloseTime() != 0)
      return "{'_action': 'CLOSE', '_ticket': " + id + ", '_response': 'NOT_FOUND'}";
   int type = OrderType();
   if(type != OP_BUY && type != OP_SELL)
     {
      if(!OrderDelete(ticket, clrNONE))
         return LastTradeRefusal("CLOSE");
      return "{'_action': 'CLOSE', '_ticket': " + id + ", '_response': 'CLOSE_PENDING', '_response_value': 'SUCCESS'}";
     }
   double volume  = OrderLots();
   bool   partial = lots > 0 && lots < volume;
   double size    = partial ? lots : volume;
   int    digits  = SymbolDigits(OrderSymbol());
   RefreshRates();
   double price = NormalizeDouble(OrderClosePrice(), digits);
   if(!OrderClose(ticket, size, price, InpDeviation, clrNONE))
      return LastTradeRefusal("CLOSE");
   if(OrderSelect(ticket, SELECT_BY_TICKET))
      price = OrderClosePrice();                     // the price it really closed at
   return "{'_action': 'CLOSE', '_ticket': " + id + ", '_close_price': " + D(price, digits) +
          ", '_close_lots': " + D(size, 2) + ", '_response': " +
          (partial ? "'CLOSE_PARTIAL'" : "'CLOSE_MARKET'") + ", '_response_value': 'SUCCESS'}";
  }

string CloseWhere(const int magic, const bool byMagic)
  {
   int closed = 0;
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      if(!OrderSelect(i, SELECT_BY_POS, MODE_TRADES) || (byMagic && OrderMagicNumber() != magic))
         continue;
      int ticket = OrderTicket();
      bool ok;
      if(OrderType() == OP_BUY || OrderType() == OP_SELL)
        {
         RefreshRates();
         ok = OrderClose(ticket, OrderLots(), OrderClosePrice(), InpDeviation, clrNONE);
        }
      else
         ok = OrderDelete(ticket, clrNONE);
      if(ok)
         closed++;
     }
   return "{'_action': 'CLOSE_ALL', '_response': 'CLOSE_ALL_SUCCESS', '_closed': " + IntegerToString(closed) + "}";
  }

//--- queries ----------------------------------------------------------
string OpenTrades()
  {
   string out = "{'_action': 'OPEN_TRADES', '_trades': {";
   bool first = true;
   for(int i = 0; i < OrdersTotal(); i++)
     {
      if(!OrderSelect(i, SELECT_BY_POS, MODE_TRADES))
         continue;
      string symbol = OrderSymbol();
      int digits = SymbolDigits(symbol);
      int type = OrderType();                        // OP_BUY 0 … OP_SELLSTOP 5, as the protocol's types
      double pnl = (type == OP_BUY || type == OP_SELL) ? OrderProfit() : 0.0;
      out += (first ? "" : ", ") + IntegerToString(OrderTicket()) + ": {'_magic': " +
             IntegerToString(OrderMagicNumber()) + ", '_symbol': " + Q(symbol) +
             ", '_lots': " + D(OrderLots(), 2) + ", '_type': " + IntegerToString(type) +
             ", '_open_price': " + D(OrderOpenPrice(), digits) +
             ", '_open_time': " + T(OrderOpenTime()) +
             ", '_SL': " + D(OrderStopLoss(), digits) + ", '_TP': " + D(OrderTakeProfit(), digits) +
             ", '_pnl': " + D(pnl, 2) + ", '_comment': " + Q(OrderComment()) + "}";
      first = false;
     }
   return out + "}}";
  }

string AccountInfo()
  {
   return "{'_action': 'GET_ACCOUNT_INFO', '_account_number': " + IntegerToString(AccountNumber()) +
          ", '_data': [{'currenttime': " + T(TimeCurrent()) + ", 'account_name': " +
          Q(AccountName()) + ", 'account_balance': " + D(AccountBalance(), 2) +
          ", 'account_equity': " + D(AccountEquity(), 2) + ", 'account_profit': " +
          D(AccountProfit(), 2) + ", 'account_free_margin': " +
          D(AccountFreeMargin(), 2) + ", 'account_leverage': " +
          IntegerToString(AccountLeverage()) + "}]}";
  }

ENUM_TIMEFRAMES Timeframe(const int minutes)
  {
   switch(minutes)
     {
      case 1: return PERIOD_M1;     case 5: return PERIOD_M5;     case 15: return PERIOD_M15;
      case 30: return PERIOD_M30;   case 60: return PERIOD_H1;    case 240: return PERIOD_H4;
      case 1440: return PERIOD_D1;  case 10080: return PERIOD_W1; case 43200: return PERIOD_MN1;
     }
   return PERIOD_CURRENT;
  }

string History(const string symbol, const int minutes, const datetime start, const datetime end)
  {
   MqlRates rates[];
   ENUM_TIMEFRAMES tf = Timeframe(minutes);
   if(tf == PERIOD_CURRENT || !SymbolSelect(symbol, true))
      return "{'_action': 'HIST', '_response': 'NOT_AVAILABLE'}";
   int count = CopyRates(symbol, tf, start, end, rates);
   if(count <= 0)
      return "{'_action': 'HIST', '_response': 'NOT_AVAILABLE'}";
   int digits = SymbolDigits(symbol);
   string out = "{'_action': 'HIST', '_symbol': " + Q(symbol + "_" + IntegerToString(minutes)) + ", '_data': [";
   for(int i = 0; i < count; i++)
     {
      out += (i == 0 ? "" : ", ") + "{'time': " + Q(TimeToString(rates[i].time, TIME_DATE | TIME_MINUTES)) +
             ", 'open': " + D(rates[i].open, digits) + ", 'high': " + D(rates[i].high, digits) +
             ", 'low': " + D(rates[i].low, digits) + ", 'close': " + D(rates[i].close, digits) +
             ", 'tick_volume': " + IntegerToString(rates[i].tick_volume) + ", 'spread': " +
             IntegerToString(rates[i].spread) + ", 'real_volume': " + IntegerToString(rates[i].real_volume) + "}";
     }
   return out + "]}";
  }

//--- price stream -----------------------------------------------------
string TrackPrices(string &parts[], const int n)
  {
   ArrayResize(g_tracked, 0);
   string errors = "";
   for(int i = 1; i < n; i++)
     {
      if(!SymbolSelect(parts[i], true))
        {
         errors += (errors == "" ? "" : ", ") + Q(parts[i]);
         continue;
        }
      int k = ArraySize(g_tracked);
      ArrayResize(g_tracked, k + 1);
      g_tracked[k] = parts[i];
     }
   ArrayResize(g_lastBid, ArraySize(g_tracked));
   ArrayResize(g_lastAsk, ArraySize(g_tracked));
   ArrayInitialize(g_lastBid, 0.0);
   ArrayInitialize(g_lastAsk, 0.0);
   return "{'_action': 'TRACK_PRICES', '_data': {'symbol_count': " + IntegerToString(ArraySize(g_tracked)) +
          ", 'error_symbols': [" + errors + "]}}";
  }

void PublishPrices()
  {
   for(int i = 0; i < ArraySize(g_tracked); i++)
     {
      MqlTick tick;
      if(!SymbolInfoTick(g_tracked[i], tick) || (tick.bid == g_lastBid[i] && tick.ask == g_lastAsk[i]))
         continue;
      g_lastBid[i] = tick.bid;
      g_lastAsk[i] = tick.ask;
      ZmqMsg msg(StringFormat("%s:|:%f;%f", g_tracked[i], tick.bid, tick.ask));
      g_pub.send(msg, true);
     }
  }
//+------------------------------------------------------------------+
