//+------------------------------------------------------------------+
//| PaperTerminalBridge.mq5                                          |
//| Expert advisor for Paper Terminal's ZeroMQ bridge (--mirror zmq, |
//| --feed zmq). Speaks the DWX ZeroMQ protocol:                     |
//|   PULL  tcp://*:32768  commands  (TRADE;…, HIST;…, TRACK_PRICES;…, |
//|                                   HEARTBEAT)                     |
//|   PUSH  tcp://*:32769  replies   (Python dict literals)          |
//|   PUB   tcp://*:32770  prices    (SYMBOL:|:bid;ask)              |
//| TRADE;ACTION;TYPE;SYMBOL;PRICE;SL;TP;COMMENT;LOTS;MAGIC;TICKET   |
//| with SL/TP as distances in points (0 = none): from the fill      |
//| price for OPEN, from the open price for MODIFY.                  |
//| HEARTBEAT tells the EA's clock: TimeTradeServer and TimeGMT.     |
//| The MQL4 version (PaperTerminalBridge.mq4) speaks the same.      |
//|                                                                  |
//| Needs the MQL ZeroMQ binding (github.com/dingmaotu/mql-zmq:      |
//| Include/Zmq, Library/MT5/libzmq.dll, libsodium.dll) and "Allow   |
//| DLL imports" for this expert. Written for Paper Terminal; not    |
//| derived from Darwinex's server code.                              |
//+------------------------------------------------------------------+
#property copyright "Paper Terminal"
#property version   "1.00"
#property strict

#include <Zmq/Zmq.mqh>
#include <Trade/Trade.mqh>

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
CTrade  g_trade;
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
   g_trade.SetDeviationInPoints(InpDeviation);
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

int SymbolDigits(const string symbol) { return (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS); }

string Refusal(const string action, const string code, const string text)
  {
   return "{'_action': " + Q(action) + ", '_response': " + Q(code) + ", 'response_value': " + Q(text) + "}";
  }

string Gate()
  {
   if(!TerminalInfoInteger(TERMINAL_TRADE_ALLOWED))
      return "{'_response': 'TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND'}";
   if(!MQLInfoInteger(MQL_TRADE_ALLOWED))
      return "{'_response': 'EA_IS_DISABLED__ABORTED_COMMAND'}";
   if(!TerminalInfoInteger(TERMINAL_DLLS_ALLOWED))
      return "{'_response': 'DLLS_DISABLED__ABORTED_COMMAND'}";
   return "";
  }

string LastTradeRefusal(const string action)
  {
   return Refusal(action, IntegerToString(g_trade.ResultRetcode()), g_trade.ResultRetcodeDescription());
  }

//--- dispatch ---------------------------------------------------------
string Handle(const string command)
  {
   string parts[];
   int n = StringSplit(command, ';', parts);
   if(n < 1)
      return "{'_action': 'UNKNOWN', '_response': 'BAD_COMMAND'}";
   if(parts[0] == "HEARTBEAT")
      return "{'_action': 'heartbeat', '_response': 'loud and clear!', '_server_time': " + T(TimeTradeServer()) +
             ", '_gmt_time': " + T(TimeGMT()) + ", '_server_clock': 'TimeTradeServer'}";
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
   long   magic   = StringToInteger(parts[9]);
   ulong  ticket  = (ulong)StringToInteger(parts[10]);
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
string OpenOrder(const int type, const string symbol, double price, const int sl, const int tp,
            const string comment, const double lots, const long magic)
  {
   if(!SymbolSelect(symbol, true))
      return Refusal("EXECUTION", "4106", "unknown symbol " + symbol);
   if(lots > InpMaxLots)
      return Refusal("EXECUTION", "LOT_SIZE_ERROR", "MAX_LOT_SIZE_EXCEEDED");
   int    digits = SymbolDigits(symbol);
   double point  = SymbolInfoDouble(symbol, SYMBOL_POINT);
   bool   buy    = (type == 0 || type == 2 || type == 4);
   double sign   = buy ? 1.0 : -1.0;
   if(type == 0 || type == 1)
      price = buy ? SymbolInfoDouble(symbol, SYMBOL_ASK) : SymbolInfoDouble(symbol, SYMBOL_BID);
   double slPrice = sl > 0 ? NormalizeDouble(price - sign * sl * point, digits) : 0.0;
   double tpPrice = tp > 0 ? NormalizeDouble(price + sign * tp * point, digits) : 0.0;
   g_trade.SetExpertMagicNumber((ulong)magic);
   bool ok = false;
   switch(type)
     {
      case 0: ok = g_trade.Buy(lots, symbol, 0.0, slPrice, tpPrice, comment); break;
      case 1: ok = g_trade.Sell(lots, symbol, 0.0, slPrice, tpPrice, comment); break;
      case 2: ok = g_trade.BuyLimit(lots, price, symbol, slPrice, tpPrice, ORDER_TIME_GTC, 0, comment); break;
      case 3: ok = g_trade.SellLimit(lots, price, symbol, slPrice, tpPrice, ORDER_TIME_GTC, 0, comment); break;
      case 4: ok = g_trade.BuyStop(lots, price, symbol, slPrice, tpPrice, ORDER_TIME_GTC, 0, comment); break;
      case 5: ok = g_trade.SellStop(lots, price, symbol, slPrice, tpPrice, ORDER_TIME_GTC, 0, comment); break;
      default: return Refusal("EXECUTION", "BAD_TYPE", "order type must be 0..5");
     }
   uint code = g_trade.ResultRetcode();
   if(!ok || (code != TRADE_RETCODE_DONE && code != TRADE_RETCODE_PLACED && code != TRADE_RETCODE_DONE_PARTIAL))
      return LastTradeRefusal("EXECUTION");
   ulong  ticket    = g_trade.ResultOrder();   // a market order's ticket is its position's ticket
   double openPrice = (type <= 1 && g_trade.ResultPrice() > 0) ? g_trade.ResultPrice() : price;
   datetime opened  = TimeTradeServer();      // the fill's own time when the position or order is found
   if(type <= 1 && PositionSelectByTicket(ticket))
      opened = (datetime)PositionGetInteger(POSITION_TIME);
   else if(type > 1 && OrderSelect(ticket))
      opened = (datetime)OrderGetInteger(ORDER_TIME_SETUP);
   // Stops were measured from the price we asked for; move them to the real fill.
   if(type <= 1 && (sl > 0 || tp > 0) && MathAbs(openPrice - price) >= point / 2 && PositionSelectByTicket(ticket))
     {
      slPrice = sl > 0 ? NormalizeDouble(openPrice - sign * sl * point, digits) : 0.0;
      tpPrice = tp > 0 ? NormalizeDouble(openPrice + sign * tp * point, digits) : 0.0;
      g_trade.PositionModify(ticket, slPrice, tpPrice);
     }
   return "{'_action': 'EXECUTION', '_symbol': " + Q(symbol) + ", '_magic': " + IntegerToString(magic) +
          ", '_ticket': " + IntegerToString((long)ticket) + ", '_open_time': " + T(opened) +
          ", '_open_price': " + D(openPrice, digits) + ", '_sl': " + D(slPrice, digits) +
          ", '_tp': " + D(tpPrice, digits) + "}";
  }

string ModifyOrder(const ulong ticket, const double price, const int sl, const int tp)
  {
   if(PositionSelectByTicket(ticket))
     {
      string symbol = PositionGetString(POSITION_SYMBOL);
      int    digits = SymbolDigits(symbol);
      double point  = SymbolInfoDouble(symbol, SYMBOL_POINT);
      double sign   = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? 1.0 : -1.0;
      double base   = PositionGetDouble(POSITION_PRICE_OPEN);
      double slPrice = sl > 0 ? NormalizeDouble(base - sign * sl * point, digits) : 0.0;
      double tpPrice = tp > 0 ? NormalizeDouble(base + sign * tp * point, digits) : 0.0;
      if(!g_trade.PositionModify(ticket, slPrice, tpPrice) && g_trade.ResultRetcode() != TRADE_RETCODE_NO_CHANGES)
         return LastTradeRefusal("EXECUTION");
      return "{'_action': 'EXECUTION', '_ticket': " + IntegerToString((long)ticket) + ", '_sl': " +
             D(slPrice, digits) + ", '_tp': " + D(tpPrice, digits) + "}";
     }
   if(OrderSelect(ticket))
     {
      string symbol = OrderGetString(ORDER_SYMBOL);
      int    digits = SymbolDigits(symbol);
      double point  = SymbolInfoDouble(symbol, SYMBOL_POINT);
      long   type   = OrderGetInteger(ORDER_TYPE);
      double sign   = (type == ORDER_TYPE_BUY_LIMIT || type == ORDER_TYPE_BUY_STOP) ? 1.0 : -1.0;
      double base   = price > 0 ? NormalizeDouble(price, digits) : OrderGetDouble(ORDER_PRICE_OPEN);
      double slPrice = sl > 0 ? NormalizeDouble(base - sign * sl * point, digits) : 0.0;
      double tpPrice = tp > 0 ? NormalizeDouble(base + sign * tp * point, digits) : 0.0;
      if(!g_trade.OrderModify(ticket, base, slPrice, tpPrice, ORDER_TIME_GTC, 0))
         return LastTradeRefusal("EXECUTION");
      return "{'_action': 'EXECUTION', '_ticket': " + IntegerToString((long)ticket) + ", '_open_price': " +
             D(base, digits) + ", '_sl': " + D(slPrice, digits) + ", '_tp': " + D(tpPrice, digits) + "}";
     }
   return Refusal("EXECUTION", "4108", "invalid ticket");
  }

string CloseTicket(const ulong ticket, const double lots)
  {
   string id = IntegerToString((long)ticket);
   if(OrderSelect(ticket))
     {
      if(!g_trade.OrderDelete(ticket))
         return LastTradeRefusal("CLOSE");
      return "{'_action': 'CLOSE', '_ticket': " + id + ", '_response': 'CLOSE_PENDING', '_response_value': 'SUCCESS'}";
     }
   if(!PositionSelectByTicket(ticket))
      return "{'_action': 'CLOSE', '_ticket': " + id + ", '_response': 'NOT_FOUND'}";
   double volume  = PositionGetDouble(POSITION_VOLUME);
   bool   partial = lots > 0 && lots < volume;
   bool   ok      = partial ? g_trade.PositionClosePartial(ticket, lots) : g_trade.PositionClose(ticket);
   if(!ok)
      return LastTradeRefusal("CLOSE");
   int digits = SymbolDigits(PositionGetString(POSITION_SYMBOL));
   return "{'_action': 'CLOSE', '_ticket': " + id + ", '_close_price': " + D(g_trade.ResultPrice(), digits) +
          ", '_close_lots': " + D(partial ? lots : volume, 2) + ", '_response': " +
          (partial ? "'CLOSE_PARTIAL'" : "'CLOSE_MARKET'") + ", '_response_value': 'SUCCESS'}";
  }

string CloseWhere(const long magic, const bool byMagic)
  {
   int closed = 0;
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0 || (byMagic && PositionGetInteger(POSITION_MAGIC) != magic))
         continue;
      if(g_trade.PositionClose(ticket))
         closed++;
     }
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0 || (byMagic && OrderGetInteger(ORDER_MAGIC) != magic))
         continue;
      if(g_trade.OrderDelete(ticket))
         closed++;
     }
   return "{'_action': 'CLOSE_ALL', '_response': 'CLOSE_ALL_SUCCESS', '_closed': " + IntegerToString(closed) + "}";
  }

//--- queries ----------------------------------------------------------
string OpenTrades()
  {
   string out = "{'_action': 'OPEN_TRADES', '_trades': {";
   bool first = true;
   for(int i = 0; i < PositionsTotal(); i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      string symbol = PositionGetString(POSITION_SYMBOL);
      int digits = SymbolDigits(symbol);
      out += (first ? "" : ", ") + IntegerToString((long)ticket) + ": {'_magic': " +
             IntegerToString(PositionGetInteger(POSITION_MAGIC)) + ", '_symbol': " + Q(symbol) +
             ", '_lots': " + D(PositionGetDouble(POSITION_VOLUME), 2) + ", '_type': " +
             IntegerToString(PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? 0 : 1) +
             ", '_open_price': " + D(PositionGetDouble(POSITION_PRICE_OPEN), digits) +
             ", '_open_time': " + T((datetime)PositionGetInteger(POSITION_TIME)) +
             ", '_SL': " + D(PositionGetDouble(POSITION_SL), digits) + ", '_TP': " +
             D(PositionGetDouble(POSITION_TP), digits) + ", '_pnl': " + D(PositionGetDouble(POSITION_PROFIT), 2) +
             ", '_comment': " + Q(PositionGetString(POSITION_COMMENT)) + "}";
      first = false;
     }
   for(int i = 0; i < OrdersTotal(); i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0)
         continue;
      string symbol = OrderGetString(ORDER_SYMBOL);
      int digits = SymbolDigits(symbol);
      long type = OrderGetInteger(ORDER_TYPE);   // MT5 BUY_LIMIT..SELL_STOP are 2..5, as MQL4's OP_ codes
      out += (first ? "" : ", ") + IntegerToString((long)ticket) + ": {'_magic': " +
             IntegerToString(OrderGetInteger(ORDER_MAGIC)) + ", '_symbol': " + Q(symbol) +
             ", '_lots': " + D(OrderGetDouble(ORDER_VOLUME_CURRENT), 2) + ", '_type': " + IntegerToString(type) +
             ", '_open_price': " + D(OrderGetDouble(ORDER_PRICE_OPEN), digits) +
             ", '_open_time': " + T((datetime)OrderGetInteger(ORDER_TIME_SETUP)) +
             ", '_SL': " + D(OrderGetDouble(ORDER_SL), digits) + ", '_TP': " + D(OrderGetDouble(ORDER_TP), digits) +
             ", '_pnl': 0.0, '_comment': " + Q(OrderGetString(ORDER_COMMENT)) + "}";
      first = false;
     }
   return out + "}}";
  }

string AccountInfo()
  {
   return "{'_action': 'GET_ACCOUNT_INFO', '_account_number': " + IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) +
          ", '_data': [{'currenttime': " + T(TimeCurrent()) + ", 'account_name': " +
          Q(AccountInfoString(ACCOUNT_NAME)) + ", 'account_balance': " + D(AccountInfoDouble(ACCOUNT_BALANCE), 2) +
          ", 'account_equity': " + D(AccountInfoDouble(ACCOUNT_EQUITY), 2) + ", 'account_profit': " +
          D(AccountInfoDouble(ACCOUNT_PROFIT), 2) + ", 'account_free_margin': " +
          D(AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2) + ", 'account_leverage': " +
          IntegerToString(AccountInfoInteger(ACCOUNT_LEVERAGE)) + "}]}";
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
